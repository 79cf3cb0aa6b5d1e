package weird

import (
	"xsensor/analyzer/conn"
	"xsensor/analyzer/zeeklog"
)

// Record is one weird.log entry (Weird::Info). Name, Addl and Source
// should be constants or strings the caller keeps; they are read only
// during the emit.
type Record struct {
	TS      int64
	ID      conn.ID // zero UID: a weird without a connection
	HasConn bool
	Name    string
	Addl    string // "" is logged unset
	Notice  bool
	Peer    string // "zeek" for a standalone sensor
	Source  string // analyzer name ("DNS", "HTTP", …), "" unset
}

// Schema is Zeek's weird.log.
var Schema = zeeklog.Schema{
	Path: "weird",
	Fields: []zeeklog.Field{
		{Name: "ts", Type: zeeklog.Time},
		{Name: "uid", Type: zeeklog.String},
		{Name: "id.orig_h", Type: zeeklog.Addr},
		{Name: "id.orig_p", Type: zeeklog.Port},
		{Name: "id.resp_h", Type: zeeklog.Addr},
		{Name: "id.resp_p", Type: zeeklog.Port},
		{Name: "name", Type: zeeklog.String},
		{Name: "addl", Type: zeeklog.String},
		{Name: "notice", Type: zeeklog.Bool},
		{Name: "peer", Type: zeeklog.String},
		{Name: "source", Type: zeeklog.String},
	},
}

// AppendRecord appends r as one weird.log record.
func AppendRecord(e *zeeklog.Encoder, buf []byte, r *Record) []byte {
	buf = e.Begin(buf)
	buf = e.Time(buf, r.TS)
	if r.HasConn {
		buf = e.UID(buf, r.ID.UID, 'C')
		buf = e.Addr(buf, r.ID.OrigH)
		buf = e.Port(buf, r.ID.OrigP)
		buf = e.Addr(buf, r.ID.RespH)
		buf = e.Port(buf, r.ID.RespP)
	} else {
		for i := 0; i < 5; i++ {
			buf = e.Unset(buf)
		}
	}
	buf = e.String(buf, r.Name)
	if r.Addl == "" {
		buf = e.Unset(buf)
	} else {
		buf = e.String(buf, r.Addl)
	}
	buf = e.Bool(buf, r.Notice)
	if r.Peer == "" {
		buf = e.Unset(buf)
	} else {
		buf = e.String(buf, r.Peer)
	}
	if r.Source == "" {
		buf = e.Unset(buf)
	} else {
		buf = e.String(buf, r.Source)
	}
	return e.End(buf)
}

// Sampling is the Reporter's weird sampling policy.
type Sampling struct {
	Threshold uint64 // weird_sampling_threshold: always log the first Threshold
	Rate      uint64 // weird_sampling_rate: then every Rate-th (0: none)
}

// DefaultSampling is Zeek's default (1000, 1000).
func DefaultSampling() Sampling { return Sampling{Threshold: 1000, Rate: 1000} }

// Permit reports whether the count-th occurrence (1-based) is logged.
func (s Sampling) Permit(count uint64) bool {
	if count <= s.Threshold {
		return true
	}
	if s.Rate == 0 {
		return false
	}
	return (count-s.Threshold)%s.Rate == 0
}

// ConnSlots is how many distinct weird names a Counter tracks per
// connection; further names share the last slot's count.
const ConnSlots = 4

// Counter counts one connection's weirds by name (Zeek's per-connection
// weird map). The zero value is empty.
type Counter struct {
	names  [ConnSlots]string
	counts [ConnSlots]uint64
	n      uint8
}

// Reset empties c.
func (c *Counter) Reset() { *c = Counter{} }

// Add counts one occurrence of name and returns its count.
func (c *Counter) Add(name string) uint64 {
	for i := 0; i < int(c.n); i++ {
		if c.names[i] == name {
			c.counts[i]++
			return c.counts[i]
		}
	}
	i := int(c.n)
	if i == ConnSlots {
		i = ConnSlots - 1
	} else {
		c.n++
		c.names[i] = name
		c.counts[i] = 0
	}
	c.counts[i]++
	return c.counts[i]
}

// Global counts weirds without a connection by name. Names should come
// from a fixed set (decoder constants): each new name costs one map
// insertion.
type Global struct{ m map[string]uint64 }

// Add counts one occurrence of name and returns its count.
func (g *Global) Add(name string) uint64 {
	if g.m == nil {
		g.m = make(map[string]uint64, 64)
	}
	g.m[name]++
	return g.m[name]
}
