package worker

import (
	"fmt"
	"net/netip"

	"xsensor/analyzer/communityid"
	"xsensor/analyzer/conn"
	"xsensor/analyzer/decode"
	"xsensor/analyzer/uid"
	"xsensor/analyzer/zeeklog"
)

// Sink receives encoded log records in chunks of whole records. The replay
// and live sensors write them to files; a cluster worker node ships them
// to its logger. Sinks are shared by all workers and must be safe for
// concurrent use; they are called per chunk, never per packet.
type Sink interface {
	WriteLog(s *zeeklog.Schema, chunk []byte) error
}

// Options configure a Worker.
type Options struct {
	Index  int // worker number, mixed into the uid seed
	Decode decode.Options
	Conn   conn.Options
	Format zeeklog.Format
	// FlushBytes is the size at which a log buffer is handed to the Sink.
	FlushBytes int
	// MaxIPTunnels bounds the table of IP tunnels (GRE, IP-in-IP) whose
	// uids become tunnel_parents.
	MaxIPTunnels int
}

// DefaultOptions returns Zeek's defaults.
func DefaultOptions() Options {
	return Options{
		Decode:       decode.DefaultOptions(),
		Conn:         conn.DefaultOptions(),
		Format:       zeeklog.TSV,
		FlushBytes:   256 << 10,
		MaxIPTunnels: 1 << 14,
	}
}

// Stats are a worker's counters. They are written only by the worker's
// goroutine; read them after Finish, or through a snapshot the owner
// publishes.
type Stats struct {
	Packets uint64
	Bytes   uint64 // wire bytes
	Records uint64 // conn.log records written
	SinkErr error
}

// Worker runs the per-core pipeline. It is owned by one goroutine.
type Worker struct {
	opts  Options
	dec   *decode.Decoder
	conns *conn.Table
	pkt   decode.Packet

	connEnc *zeeklog.Encoder
	connBuf []byte
	cid     []byte
	sink    Sink

	tunnels map[tunnelKey]uid.UID
	gen     *uid.Generator
	parents [1]uid.UID

	stats Stats
}

type tunnelKey struct {
	a, b  netip.Addr
	encap decode.Encap
}

// New returns a worker that writes logs to sink.
func New(opts Options, sink Sink) (*Worker, error) {
	if opts.FlushBytes <= 0 {
		opts.FlushBytes = 256 << 10
	}
	if opts.MaxIPTunnels <= 0 {
		opts.MaxIPTunnels = 1 << 14
	}
	if sink == nil {
		return nil, fmt.Errorf("worker %d: nil sink", opts.Index)
	}
	w := &Worker{
		opts:    opts,
		dec:     decode.New(opts.Decode),
		connEnc: zeeklog.NewEncoder(&zeeklog.Conn, opts.Format),
		connBuf: make([]byte, 0, opts.FlushBytes+4096),
		cid:     make([]byte, 0, 64),
		sink:    sink,
		tunnels: make(map[tunnelKey]uid.UID),
		gen:     uid.NewGenerator(uint64(opts.Index)<<32 | 0x5eed),
	}
	t, err := conn.New(opts.Conn, w.gen, w.logConn)
	if err != nil {
		return nil, fmt.Errorf("worker %d: %w", opts.Index, err)
	}
	w.conns = t
	return w, nil
}

// ProcessBatch analyses every frame of b and, for a final batch, flushes
// all connections.
func (w *Worker) ProcessBatch(b *Batch) {
	for i := 0; i < b.N; i++ {
		m := &b.Meta[i]
		w.Process(m.Link, b.Frames[i], m.TS, int(m.WireLen))
	}
	if b.Final {
		w.Finish(b.FinalTS)
	}
}

// Process analyses one frame.
func (w *Worker) Process(link uint16, frame []byte, ts int64, wireLen int) {
	w.stats.Packets++
	w.stats.Bytes += uint64(wireLen)
	w.conns.Advance(ts)
	p := &w.pkt
	w.dec.Decode(p, decode.LinkType(link), frame, ts, wireLen)
	var parents []uid.UID
	for i := 0; i < p.N; i++ {
		l := &p.Levels[i]
		c := w.conns.Packet(ts, l, parents)
		parents = nil
		if i+1 >= p.N {
			break
		}
		// The next level is carried by this one: its tunnel parent is
		// the outer UDP connection, or the IP tunnel between this
		// level's endpoints.
		next := p.Levels[i+1].Encap
		var parent uid.UID
		if next.UDPBased() {
			if c != nil {
				parent = c.UID()
			}
		} else {
			parent = w.ipTunnel(l, next)
		}
		if !parent.IsZero() {
			w.parents[0] = parent
			parents = w.parents[:1]
		}
	}
}

// ipTunnel returns the uid of the IP tunnel (GRE, IP-in-IP) between l's
// endpoints, as Zeek keeps one EncapsulatingConn per address pair.
func (w *Worker) ipTunnel(l *decode.Level, e decode.Encap) uid.UID {
	a, b := l.Src, l.Dst
	if b.Less(a) {
		a, b = b, a
	}
	k := tunnelKey{a, b, e}
	if u, ok := w.tunnels[k]; ok {
		return u
	}
	if len(w.tunnels) >= w.opts.MaxIPTunnels {
		clear(w.tunnels)
	}
	u := w.gen.New()
	w.tunnels[k] = u
	return u
}

// logConn is the connection table's emit callback.
func (w *Worker) logConn(r *conn.Record) {
	w.cid = communityid.Append(w.cid[:0], 0, r.Proto, r.OrigH, r.RespH, r.OrigP, r.RespP)
	w.connBuf = zeeklog.AppendConn(w.connEnc, w.connBuf, r, w.cid)
	w.stats.Records++
	if len(w.connBuf) >= w.opts.FlushBytes {
		w.flush()
	}
}

func (w *Worker) flush() {
	if len(w.connBuf) == 0 {
		return
	}
	if err := w.sink.WriteLog(&zeeklog.Conn, w.connBuf); err != nil && w.stats.SinkErr == nil {
		w.stats.SinkErr = err
	}
	w.connBuf = w.connBuf[:0]
}

// Finish logs every open connection as Zeek does at the end of input, at
// network time ts, and hands all buffered records to the sink.
func (w *Worker) Finish(ts int64) {
	w.conns.Flush(ts)
	w.flush()
}

// Stats returns the worker's counters. Call it from the owning goroutine
// or after the worker has finished.
func (w *Worker) Stats() Stats { return w.stats }

// DecodeStats returns the decoder's counters (same contract as Stats).
func (w *Worker) DecodeStats() decode.Stats { return w.dec.Stats() }

// ConnStats returns the connection table's counters (same contract as Stats).
func (w *Worker) ConnStats() conn.Stats { return w.conns.Stats() }
