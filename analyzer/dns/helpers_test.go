package dns

import (
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/decode"
)

const tracesDir = "../../../shared/zeek-traces"

// datagram is one UDP or TCP payload of a trace.
type datagram struct {
	src, dst netip.Addr
	sp, dp   uint16
	tcp      bool
	ts       int64
	payload  []byte
}

// traceDatagrams reads a classic little-endian pcap and returns its
// transport payloads. Missing or unreadable files give nil.
func traceDatagrams(path string) []datagram {
	raw, err := os.ReadFile(path)
	if err != nil || len(raw) < 24 || binary.LittleEndian.Uint32(raw) != 0xa1b2c3d4 {
		return nil
	}
	link := decode.LinkType(binary.LittleEndian.Uint32(raw[20:]))
	dec := decode.New(decode.DefaultOptions())
	var p decode.Packet
	var out []datagram
	for off := 24; off+16 <= len(raw); {
		sec := int64(binary.LittleEndian.Uint32(raw[off:]))
		usec := int64(binary.LittleEndian.Uint32(raw[off+4:]))
		incl := int(binary.LittleEndian.Uint32(raw[off+8:]))
		wire := int(binary.LittleEndian.Uint32(raw[off+12:]))
		off += 16
		if incl < 0 || off+incl > len(raw) {
			break
		}
		ts := sec*1e9 + usec*1e3
		dec.Decode(&p, link, raw[off:off+incl], ts, wire)
		off += incl
		for i := 0; i < p.N; i++ {
			l := &p.Levels[i]
			if (l.Proto == 17 || l.Proto == 6) && len(l.Payload) > 0 {
				out = append(out, datagram{l.Src, l.Dst, l.SrcPort, l.DstPort, l.Proto == 6, ts,
					append([]byte(nil), l.Payload...)})
			}
		}
	}
	return out
}

func dnsTraces() []string {
	a, _ := filepath.Glob(filepath.Join(tracesDir, "dns*.pcap"))
	b, _ := filepath.Glob(filepath.Join(tracesDir, "dns", "*.pcap"))
	return append(a, b...)
}

// recorder collects what a Session emits, copied.
type recorder struct {
	recs   []Record
	ans    [][]string
	weirds []string
	flips  int
}

func (r *recorder) emit(x *Record) {
	c := *x
	c.Query = append([]byte(nil), x.Query...)
	var a []string
	for i := 0; i < x.NumAnswers(); i++ {
		a = append(a, string(x.Answer(i)))
	}
	c.TTLs = append([]uint32(nil), x.TTLs...)
	r.recs = append(r.recs, c)
	r.ans = append(r.ans, a)
}

func (r *recorder) weird(name, addl string) { r.weirds = append(r.weirds, name) }
func (r *recorder) flip()                   { r.flips++ }

func newSession(r *recorder, proto uint8, respP uint16) *Session {
	s := new(Session)
	id := conn.ID{
		OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: 40000,
		RespH: netip.MustParseAddr("10.0.0.53"), RespP: respP, Proto: proto,
	}
	s.Reset(id, r.emit, r.weird, r.flip)
	return s
}

// msgBuilder writes DNS messages for tests.
type msgBuilder struct{ b []byte }

func newMsg(id uint16, flags uint16, qd, an, ns, ar int) *msgBuilder {
	m := &msgBuilder{b: make([]byte, 12)}
	binary.BigEndian.PutUint16(m.b[0:], id)
	binary.BigEndian.PutUint16(m.b[2:], flags)
	binary.BigEndian.PutUint16(m.b[4:], uint16(qd))
	binary.BigEndian.PutUint16(m.b[6:], uint16(an))
	binary.BigEndian.PutUint16(m.b[8:], uint16(ns))
	binary.BigEndian.PutUint16(m.b[10:], uint16(ar))
	return m
}

func (m *msgBuilder) name(labels ...string) *msgBuilder {
	for _, l := range labels {
		m.b = append(m.b, byte(len(l)))
		m.b = append(m.b, l...)
	}
	m.b = append(m.b, 0)
	return m
}

func (m *msgBuilder) raw(b ...byte) *msgBuilder { m.b = append(m.b, b...); return m }

func (m *msgBuilder) u16(v uint16) *msgBuilder {
	m.b = binary.BigEndian.AppendUint16(m.b, v)
	return m
}

func (m *msgBuilder) u32(v uint32) *msgBuilder {
	m.b = binary.BigEndian.AppendUint32(m.b, v)
	return m
}

// rr appends type, class IN, ttl and rdata (the owner name comes first).
func (m *msgBuilder) rr(typ uint16, ttl uint32, rdata []byte) *msgBuilder {
	m.u16(typ).u16(1).u32(ttl).u16(uint16(len(rdata)))
	m.b = append(m.b, rdata...)
	return m
}

func mustSkipNoTraces(t testing.TB) {
	if _, err := os.Stat(tracesDir); err != nil {
		t.Skip("zeek traces not available")
	}
}
