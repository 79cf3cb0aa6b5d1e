package frag

import (
	"encoding/binary"
	"testing"
)

// FuzzFragment feeds a sequence of packets, each prefixed by a 2-byte
// length, to a small Reassembler: no panic, bounded state, and every
// datagram returned states its own length.
//
// Seeds: an IPv4 datagram in three fragments (in and out of order), an
// IPv6 one with a hop-by-hop header, and overlapping fragments.
func FuzzFragment(f *testing.F) {
	enc := func(pkts ...[]byte) []byte {
		var b []byte
		for _, p := range pkts {
			b = binary.BigEndian.AppendUint16(b, uint16(len(p)))
			b = append(b, p...)
		}
		return b
	}
	f4 := split4(packet4(1, 17, seq(300)), 104)
	f6 := split6(packet6(seq(300)), 104, 7)
	f.Add(enc(f4...))
	f.Add(enc(f4[2], f4[0], f4[1]))
	f.Add(enc(f6...))
	f.Add(enc(f4[0], f4[0], f4[1], f4[2]))
	f.Add(enc(f6[1], f4[1], f6[0], f4[0], f6[2], f4[2]))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{MaxBytes: 4096, MaxDatagrams: 4, Timeout: 10}
		r := New(opts)
		for ts := int64(0); len(data) >= 2; ts++ {
			n := int(binary.BigEndian.Uint16(data))
			data = data[2:]
			n = min(n, len(data))
			out, done := r.Add(ts, data[:n])
			data = data[n:]
			if done {
				switch out[0] >> 4 {
				case 4:
					if int(binary.BigEndian.Uint16(out[2:4])) != len(out) || checksum(out[:int(out[0]&0xf)*4]) != 0xffff {
						t.Fatalf("bad IPv4 datagram of %d bytes", len(out))
					}
				case 6:
					if int(binary.BigEndian.Uint16(out[4:6]))+40 != len(out) {
						t.Fatalf("bad IPv6 datagram of %d bytes", len(out))
					}
				default:
					t.Fatalf("datagram version %d", out[0]>>4)
				}
			}
			if s := r.Stats(); s.Pending > opts.MaxDatagrams || s.Bytes > opts.MaxBytes+maxDatagramSize {
				t.Fatalf("state unbounded: %+v", s)
			}
		}
	})
}
