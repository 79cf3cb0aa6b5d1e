package dns

import (
	"testing"
)

// FuzzMessage feeds one datagram to a fresh UDP session and the same
// bytes as a TCP stream. Seeds: every DNS payload of Zeek's DNS traces
// (when available), plus hand-made edge cases.
func FuzzMessage(f *testing.F) {
	f.Add([]byte{})                                 // empty
	f.Add(newMsg(1, 0, 1, 0, 0, 0).raw(0xc0, 12).b) // self pointer
	f.Add(newMsg(1, 0x8000, 1, 1, 0, 0).name("a").u16(1).u16(1).raw(0xc0, 12).rr(16, 1, []byte{9, 'x'}).b)
	f.Add(newMsg(1, 0x8000, 0, 1, 0, 0).raw(0).rr(46, 1, make([]byte, 18)).b)
	for _, p := range dnsTraces() {
		for _, d := range traceDatagrams(p) {
			f.Add(d.payload)
		}
	}
	var r recorder
	s := new(Session)
	f.Fuzz(func(t *testing.T, b []byte) {
		r = recorder{}
		id := newSession(&r, 17, 53).id
		s.Reset(id, r.emit, r.weird, r.flip)
		s.Packet(true, 1, b)
		s.Packet(false, 2, b)
		s.Done(3)
		id.Proto = 6
		s.Reset(id, r.emit, r.weird, r.flip)
		s.Data(true, 1, b)
		s.Data(false, 2, b)
		s.Done(3)
		for i := range r.recs {
			if len(r.recs[i].Query) > maxName {
				t.Fatalf("query of %d bytes", len(r.recs[i].Query))
			}
		}
	})
}
