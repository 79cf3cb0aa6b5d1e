package worker

import (
	"fmt"
	"net/netip"
	"time"

	"xsensor/analyzer/communityid"
	"xsensor/analyzer/conn"
	"xsensor/analyzer/decode"
	"xsensor/analyzer/dns"
	"xsensor/analyzer/stream"
	"xsensor/analyzer/uid"
	"xsensor/analyzer/weird"
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
	// FlushBytes is the size at which a log buffer is handed to the Sink
	// (default 1 MiB: a cluster worker ships each buffer as one batch, and
	// the conn.log wire codec compresses large batches better).
	FlushBytes int
	// FlushInterval is the most network time a record waits in a log
	// buffer: after each batch, buffers older than this go to the Sink, so
	// a link with few connection ends still yields its logs promptly.
	FlushInterval time.Duration
	// MaxIPTunnels bounds the table of IP tunnels (GRE, IP-in-IP) whose
	// uids become tunnel_parents.
	MaxIPTunnels int

	// Analyzers turns on the protocol layer: TCP reassembly, DPD and the
	// DNS, HTTP and TLS analyzers (dns.log, http.log, ssl.log, service).
	Analyzers bool
	// DNSAnyPort also analyses UDP flows on ports Zeek does not register
	// for DNS when their first datagram is a well-formed query (Zeek
	// itself has no DNS signature).
	DNSAnyPort bool
	// DisableOnViolation stops feeding an HTTP or TLS analyzer once it
	// reports a protocol violation, as Zeek's DPD framework does with the
	// default scripts. Off, analyzers go on parsing as in Zeek's bare
	// mode (zeek -b), which is how most of Zeek's conformance baselines
	// were made.
	DisableOnViolation bool
	// LiteServices confirms services xsensor does not analyse (SSH, FTP
	// and ftp-data, NTP, DHCP) from content, for conn.log's service; no
	// protocol log is written for them.
	LiteServices bool
	// Stream bounds TCP reassembly.
	Stream stream.Options
	// WeirdSampling is the Reporter's weird sampling.
	WeirdSampling weird.Sampling
	// Weirds turns on weird.log.
	Weirds bool
	// OnConn, if set, sees each finished connection before it is logged
	// (cluster worker nodes: known hosts/services, scan detection). Called
	// on the worker's goroutine, once per connection; r is valid only
	// during the call.
	OnConn func(*conn.Record)
}

// DefaultOptions returns Zeek's defaults.
func DefaultOptions() Options {
	return Options{
		Decode:        decode.DefaultOptions(),
		Conn:          conn.DefaultOptions(),
		Format:        zeeklog.TSV,
		FlushBytes:    1 << 20,
		FlushInterval: time.Second,
		MaxIPTunnels:  1 << 14,
		Analyzers:     true,
		DNSAnyPort:    true,
		LiteServices:  true,
		Stream:        stream.DefaultOptions(),
		WeirdSampling: weird.DefaultSampling(),
		Weirds:        true,
	}
}

// Stats are a worker's counters. They are written only by the worker's
// goroutine; read them after Finish, or through a snapshot the owner
// publishes.
type Stats struct {
	Packets uint64
	Bytes   uint64 // wire bytes
	Records uint64 // conn.log records written
	Weirds  uint64 // weirds raised (logged or sampled away)
	// Records written to the protocol logs.
	DNSRecords, HTTPRecords, SSLRecords, WeirdRecords uint64
	SinkErr                                           error
}

// Worker runs the per-core pipeline. It is owned by one goroutine.
type Worker struct {
	opts  Options
	dec   *decode.Decoder
	conns *conn.Table
	pkt   decode.Packet

	logs [numLogs]logStream
	cid  []byte
	sink Sink
	now  int64 // network time: the current packet's, or Finish's
	// lastFlush is the network time log buffers were last handed over.
	lastFlush int64

	// Protocol layer (see protocols.go).
	re        *stream.Reassembler
	flows     [][]flowState // pool in chunks, see flow
	nflows    int32
	flowFree  []int32
	dnsSess   []*dns.Session
	dnsFree   []int32
	netWeirds weird.Global
	cur       *flowState // flow of the analyzer call in progress
	curConn   *conn.Conn
	flushK    int

	ftpExpected map[ftpKey]int64 // announced FTP data channels: expiry

	// Callbacks bound once (method values would allocate per use).
	emitDNSFn   func(*dns.Record)
	weirdDNSFn  func(name, addl string)
	flipFn      func()
	flushGapFn  func(int)
	flushDataFn func([]byte)
	protoFns

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
		opts.FlushBytes = 1 << 20
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
		cid:     make([]byte, 0, 64),
		sink:    sink,
		tunnels: make(map[tunnelKey]uid.UID),
		gen:     uid.NewGenerator(uint64(opts.Index)<<32 | 0x5eed),
		re:      stream.New(opts.Stream),
	}
	w.initLog(logConn, &zeeklog.Conn)
	w.initLog(logDNS, &dns.Schema)
	w.initLog(logWeird, &weird.Schema)
	w.initProtoLogs()
	w.logs[logConn].buf = make([]byte, 0, opts.FlushBytes+4096)
	w.emitDNSFn = w.emitDNS
	w.weirdDNSFn = w.weirdDNS
	w.flipFn = w.flipCur
	w.flushGapFn = w.flushGap
	w.flushDataFn = w.flushData
	w.bindProtoFns()
	t, err := conn.New(opts.Conn, w.gen, w.logConn)
	if err != nil {
		return nil, fmt.Errorf("worker %d: %w", opts.Index, err)
	}
	if opts.Analyzers {
		t.SetRemoveHook(w.onRemove)
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
		return
	}
	if w.opts.FlushInterval > 0 && w.now-w.lastFlush >= int64(w.opts.FlushInterval) {
		w.flush()
	}
}

// Process analyses one frame.
func (w *Worker) Process(link uint16, frame []byte, ts int64, wireLen int) {
	w.stats.Packets++
	w.stats.Bytes += uint64(wireLen)
	if ts > w.now {
		w.now = ts
	}
	w.conns.Advance(ts)
	p := &w.pkt
	w.dec.Decode(p, decode.LinkType(link), frame, ts, wireLen)
	if p.Weird != "" && w.opts.Weirds {
		w.netWeird(p.Weird)
	}
	var parents []uid.UID
	for i := 0; i < p.N; i++ {
		l := &p.Levels[i]
		c := w.conns.Packet(ts, l, parents)
		parents = nil
		if i+1 >= p.N {
			w.analyze(c, l, ts)
			break
		}
		if c != nil && l.Proto == 17 && w.opts.Analyzers {
			w.tunnel(c, l, p.Levels[i+1].Encap)
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
	if w.opts.OnConn != nil {
		w.opts.OnConn(r)
	}
	w.cid = communityid.Append(w.cid[:0], 0, r.Proto, r.OrigH, r.RespH, r.OrigP, r.RespP)
	l := &w.logs[logConn]
	w.stats.Records++
	w.logged(logConn, zeeklog.AppendConn(l.enc, l.buf, r, w.cid))
}

// Finish logs every open connection as Zeek does at the end of input, at
// network time ts, and hands all buffered records to the sink.
func (w *Worker) Finish(ts int64) {
	if ts > w.now {
		w.now = ts
	}
	w.conns.Flush(ts)
	w.flush()
}

// Stats returns the worker's counters. Call it from the owning goroutine
// or after the worker has finished.
func (w *Worker) Stats() Stats {
	s := w.stats
	s.DNSRecords = w.logs[logDNS].records
	s.HTTPRecords = w.logs[logHTTP].records
	s.SSLRecords = w.logs[logSSL].records
	s.WeirdRecords = w.logs[logWeird].records
	return s
}

// DecodeStats returns the decoder's counters (same contract as Stats).
func (w *Worker) DecodeStats() decode.Stats { return w.dec.Stats() }

// ConnStats returns the connection table's counters (same contract as Stats).
func (w *Worker) ConnStats() conn.Stats { return w.conns.Stats() }

// StreamStats returns TCP reassembly's counters (same contract as Stats).
func (w *Worker) StreamStats() stream.Stats { return w.re.Stats() }
