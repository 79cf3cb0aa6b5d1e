package ship

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/config"
	"xsensor/cluster/wire"
)

// Options configure a Shipper.
type Options struct {
	Cluster *config.Cluster
	Node    *config.Node // the sending node
	// Route picks a stream's receiver; default Route.
	Route func(stream string, receivers []*config.Node) *config.Node
	// MaxBlock is how long WriteLog waits for room when a receiver is
	// slow before dropping the chunk; default 1s, negative never waits.
	MaxBlock time.Duration
	// NoSpool keeps unacknowledged batches in memory only.
	NoSpool bool
	// RawConn ships conn.log TSV batches as they are. By default they
	// go in the columnar layout of cluster/conncodec (Format bit
	// conncodec.FormatColumns), which every receiver must decode
	// (cluster/logger's Writer does; an older one drops the batch).
	RawConn bool
	Log     func(format string, args ...any)
}

// Stats are a Shipper's counters.
type Stats struct {
	Batches, Records                uint64 // queued on a Sender
	DroppedBatches, DroppedRecords  uint64 // refused: receiver slow and buffers full
	Buffered, SpoolBytes            int64  // sum over the Senders
	WireSent, WireAcked, WireResent uint64 // sum over the Senders (frames)
}

// Shipper ships log chunks to the log receivers. Safe for concurrent use.
type Shipper struct {
	o         Options
	receivers []*config.Node

	mu      sync.Mutex
	senders map[string]*wire.Sender // by receiver name
	routes  map[string]*wire.Sender // by stream

	batches, records, dropB, dropR atomic.Uint64
	uidKeys                        atomic.Pointer[[][16]byte] // replaced whole, never mutated
}

// AddUIDKey adds the key of a uid generator whose uids this Shipper
// ships (analyzer/worker's Worker.UIDKey): the conn.log codec then
// sends those uids as counters. Call it before the worker starts.
func (s *Shipper) AddUIDKey(key [16]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys [][16]byte
	if p := s.uidKeys.Load(); p != nil {
		keys = append(keys, *p...)
	}
	keys = append(keys, key)
	s.uidKeys.Store(&keys)
}

// New returns a Shipper; Senders are created on first use.
func New(o Options) (*Shipper, error) {
	if o.Cluster == nil || o.Node == nil {
		return nil, errors.New("shipper: Cluster and Node are required")
	}
	if o.Route == nil {
		o.Route = Route
	}
	return &Shipper{o: o, receivers: o.Cluster.LogReceivers(),
		senders: map[string]*wire.Sender{}, routes: map[string]*wire.Sender{}}, nil
}

// SenderOptions returns the wire options a node uses to reach to: the
// cluster's secret, TLS, buffer, spool and heartbeat settings.
func SenderOptions(c *config.Cluster, from, to *config.Node, spool bool) (wire.SenderOptions, error) {
	o := c.Options
	so := wire.SenderOptions{
		Addr: to.Addr(), Name: from.Name, Role: from.Role, Secret: c.Secret,
		BufferBytes:       o.SendBufferBytes,
		HeartbeatInterval: o.HeartbeatInterval,
		HeartbeatTimeout:  o.HeartbeatTimeout,
		HandshakeTimeout:  o.HandshakeTimeout,
		BackoffMin:        50 * time.Millisecond,
		BackoffMax:        2 * time.Second,
	}
	if o.TLSCert != "" {
		_, client, err := wire.LoadTLS(o.TLSCert, o.TLSKey, o.TLSCA)
		if err != nil {
			return so, err
		}
		so.TLS = client
	}
	if spool && o.SpoolMaxBytes > 0 {
		so.SpoolDir = filepath.Join(o.SpoolDir, from.Name, "to-"+to.Name)
		so.SpoolMaxBytes = o.SpoolMaxBytes
	}
	return so, nil
}

func (s *Shipper) sender(stream string) (*wire.Sender, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if snd := s.routes[stream]; snd != nil {
		return snd, nil
	}
	to := s.o.Route(stream, s.receivers)
	if to == nil {
		return nil, fmt.Errorf("ship %s: no log receiver in node.cfg", stream)
	}
	snd := s.senders[to.Name]
	if snd == nil {
		so, err := SenderOptions(s.o.Cluster, s.o.Node, to, !s.o.NoSpool)
		if err != nil {
			return nil, err
		}
		so.MaxBlock = s.o.MaxBlock
		so.Log = s.o.Log
		if snd, err = wire.NewSender(so); err != nil {
			return nil, fmt.Errorf("ship to %s: %w", to.Name, err)
		}
		s.senders[to.Name] = snd
	}
	s.routes[stream] = snd
	return snd, nil
}

// Start creates the Senders of the given streams now (so that spooled
// batches of a previous run are resent at once).
func (s *Shipper) Start(streams ...string) error {
	for _, st := range streams {
		if _, err := s.sender(st); err != nil {
			return err
		}
	}
	return nil
}

// WriteLog implements worker.Sink: chunk (whole records of schema sch)
// becomes one LogBatch. A dropped chunk is counted, not returned as an
// error, so the worker keeps analysing.
func (s *Shipper) WriteLog(sch *zeeklog.Schema, chunk []byte) error {
	return s.Ship(sch.Path, s.o.Cluster.Options.LogFormat, chunk)
}

// maxBatch is the largest batch Ship sends as one message: a quarter of
// the sender's memory bound (so a frame always fits beside others, and a
// small SendBufferBytes cannot make a worker's log buffer unsendable),
// at most 4 MiB.
func (s *Shipper) maxBatch() int {
	b := s.o.Cluster.Options.SendBufferBytes
	if b <= 0 {
		b = 64 << 20
	}
	return int(min(max(b/4, 16<<10), 4<<20))
}

// Ship sends chunk, whole records of stream in format f, as one batch or,
// when it is larger than maxBatch, as several cut at record boundaries.
func (s *Shipper) Ship(stream string, f zeeklog.Format, chunk []byte) error {
	limit := s.maxBatch()
	for len(chunk) > limit {
		cut := bytes.LastIndexByte(chunk[:limit], '\n') + 1
		if cut == 0 { // one record larger than the limit: send it alone
			cut = bytes.IndexByte(chunk, '\n') + 1
			if cut == 0 {
				cut = len(chunk)
			}
		}
		if err := s.shipBatch(stream, f, chunk[:cut]); err != nil {
			return err
		}
		chunk = chunk[cut:]
	}
	return s.shipBatch(stream, f, chunk)
}

func (s *Shipper) shipBatch(stream string, f zeeklog.Format, chunk []byte) error {
	if len(chunk) == 0 {
		return nil
	}
	snd, err := s.sender(stream)
	if err != nil {
		return err
	}
	n := uint32(bytes.Count(chunk, []byte{'\n'}))
	m := wire.Message{Type: wire.TypeLogBatch, Format: uint8(f), Count: n,
		Stream: []byte(stream), Path: []byte(stream), Body: chunk}
	var cb *connBatch
	if !s.o.RawConn {
		var keys [][16]byte
		if p := s.uidKeys.Load(); p != nil {
			keys = *p
		}
		cb = encodeConnBatch(&m, keys)
	}
	err = snd.Send(&m)
	releaseConnBatch(cb)
	switch {
	case err == nil:
		s.batches.Add(1)
		s.records.Add(uint64(n))
		return nil
	case errors.Is(err, wire.ErrDropped):
		s.dropB.Add(1)
		s.dropR.Add(uint64(n))
		return nil
	default:
		return fmt.Errorf("ship %s: %w", stream, err)
	}
}

// Stats returns the counters.
func (s *Shipper) Stats() Stats {
	st := Stats{Batches: s.batches.Load(), Records: s.records.Load(),
		DroppedBatches: s.dropB.Load(), DroppedRecords: s.dropR.Load()}
	s.mu.Lock()
	for _, snd := range s.senders {
		ws := snd.Stats()
		st.Buffered += ws.Buffered
		st.SpoolBytes += ws.SpoolBytes
		st.WireSent += ws.Sent
		st.WireAcked += ws.Acked
		st.WireResent += ws.Resent
	}
	s.mu.Unlock()
	return st
}

// Connected returns the names of the receivers this Shipper is
// connected to now, sorted.
func (s *Shipper) Connected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for name, snd := range s.senders {
		if snd.Connected() {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Flush waits until every receiver acknowledged everything shipped.
func (s *Shipper) Flush(ctx context.Context) error {
	s.mu.Lock()
	snds := make([]*wire.Sender, 0, len(s.senders))
	for _, snd := range s.senders {
		snds = append(snds, snd)
	}
	s.mu.Unlock()
	var first error
	for _, snd := range snds {
		if err := snd.Flush(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Close flushes for up to timeout, then closes the Senders.
func (s *Shipper) Close(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	err := s.Flush(ctx)
	cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, snd := range s.senders {
		if cerr := snd.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	return err
}
