package stream

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzReassembly cuts a known stream into segments as the fuzzer
// directs (offset, length, order), with acks, and checks that every byte
// delivered is the stream's byte at that position, gaps included.
func FuzzReassembly(f *testing.F) {
	f.Add([]byte{0, 10, 10, 10, 5, 5, 20, 30})
	f.Add([]byte{200, 100, 0, 50, 255, 255, 1, 1, 2, 2})
	f.Add(bytes.Repeat([]byte{7, 3}, 40))
	f.Fuzz(runFuzz)
}

func runFuzz(t *testing.T, ops []byte) {
	if len(ops) > 1024 {
		ops = ops[:1024]
	}
	{
		o := Options{MaxBytes: 8 * SegmentSize, MaxDirBytes: 3 * SegmentSize}
		r := New(o)
		var stream [1 << 14]byte
		for i := range stream {
			stream[i] = byte(i*7 + i>>8)
		}
		var d Dir
		const isn = 0xffffff00
		d.Init(isn)
		pos := 0 // stream offset of the next delivered byte
		check := func(b []byte) {
			if pos+len(b) > len(stream) || !bytes.Equal(b, stream[pos:pos+len(b)]) {
				t.Fatalf("delivered %d bytes at %d that are not the stream's", len(b), pos)
			}
			pos += len(b)
		}
		guard := 0
		drain := func() {
			for {
				guard++
				if guard > 1e6 {
					panic("drain loops")
				}
				b, ok := r.Next(&d)
				if !ok {
					return
				}
				check(b)
			}
		}
		for len(ops) >= 4 {
			off := int(binary.BigEndian.Uint16(ops)) % len(stream)
			n := int(ops[2]) * 16
			ack := ops[3]&1 != 0
			ops = ops[4:]
			if off+n > len(stream) {
				n = len(stream) - off
			}
			b := r.Add(&d, isn+uint32(off), stream[off:off+n])
			pos += d.TakeGap()
			check(b)
			drain()
			if ack {
				for {
					guard++
					if guard > 1e6 {
						panic("ack loops")
					}
					g := r.Ack(&d, isn+uint32(off+n))
					if g == 0 {
						break
					}
					pos += g
					drain()
				}
			}
		}
		r.Flush(&d, func(n int) { pos += n }, check)
		r.Release(&d)
		if s := r.Stats(); s.InUse != 0 {
			t.Fatalf("%d blocks leaked", s.InUse)
		}
	}
}
