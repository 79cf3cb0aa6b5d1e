package afpacket

import (
	"encoding/binary"
	"errors"
	"testing"
)

// buildBlock lays out a TPACKET_V3 block as the kernel does: block header,
// then packets each with a 48-byte tpacket3_hdr, data at tp_mac, 16-byte
// aligned, the last packet with tp_next_offset 0.
func buildBlock(size int, pkts [][]byte) []byte {
	b := make([]byte, size)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], 3) // version
	ne.PutUint32(b[blkStatus:], 1)
	ne.PutUint32(b[blkNumPkts:], uint32(len(pkts)))
	ne.PutUint32(b[blkFirstPkt:], blkHeaderBytes)
	off := blkHeaderBytes
	const mac = 66 // tp_mac as the kernel sets it: header + sockaddr_ll, aligned, + padding
	for i, p := range pkts {
		h := b[off:]
		ne.PutUint32(h[pktSec:], uint32(100+i))
		ne.PutUint32(h[pktNsec:], uint32(i))
		ne.PutUint32(h[pktSnaplen:], uint32(len(p)))
		ne.PutUint32(h[pktLen:], uint32(len(p)+4))
		ne.PutUint32(h[pktStatus:], 1)
		ne.PutUint16(h[pktMac:], mac)
		ne.PutUint32(h[pktRxhash:], 0xabcd0000+uint32(i))
		ne.PutUint32(h[pktVlanTCI:], 42)
		copy(h[mac:], p)
		next := (mac + len(p) + 15) &^ 15
		if i == len(pkts)-1 {
			next = 0
		}
		ne.PutUint32(h[pktNext:], uint32(next))
		off += next
	}
	ne.PutUint32(b[blkLen:], uint32(off))
	return b
}

func TestBlockReader(t *testing.T) {
	pkts := [][]byte{[]byte("first packet"), make([]byte, 1500), []byte("x")}
	pkts[1][0], pkts[1][1499] = 7, 9
	var r blockReader
	r.start(buildBlock(4096, pkts))
	var p Packet
	for i, want := range pkts {
		if !r.next(&p) {
			t.Fatalf("packet %d missing", i)
		}
		if string(p.Data) != string(want) || p.Len != uint32(len(want)+4) || p.Sec != uint32(100+i) ||
			p.RxHash != 0xabcd0000+uint32(i) || p.VLANTCI != 42 {
			t.Fatalf("packet %d: %+v", i, p)
		}
	}
	if r.next(&p) || !r.done() {
		t.Fatal("read past the last packet")
	}
}

func TestBlockReaderMalformed(t *testing.T) {
	good := buildBlock(1024, [][]byte{make([]byte, 100), make([]byte, 200)})
	ne := binary.NativeEndian
	cases := map[string]func(b []byte){
		"first offset past end": func(b []byte) { ne.PutUint32(b[blkFirstPkt:], 5000) },
		"snaplen past end":      func(b []byte) { ne.PutUint32(b[blkHeaderBytes+pktSnaplen:], 1<<31) },
		"mac past end":          func(b []byte) { ne.PutUint16(b[blkHeaderBytes+pktMac:], 0xffff) },
		"too many packets":      func(b []byte) { ne.PutUint32(b[blkNumPkts:], 1000) },
		"next wraps":            func(b []byte) { ne.PutUint32(b[blkHeaderBytes+pktNext:], 0xfffffff0) },
	}
	for name, mut := range cases {
		b := append([]byte(nil), good...)
		mut(b)
		var r blockReader
		r.start(b)
		var p Packet
		for i := 0; r.next(&p); i++ {
			if i > 2 {
				t.Errorf("%s: more packets than the block holds", name)
				break
			}
		}
	}
	var r blockReader
	r.start(make([]byte, 10)) // shorter than a block header
	if r.next(new(Packet)) {
		t.Error("packet from a 10-byte block")
	}
}

// FuzzBlockReader: no block, however corrupt, makes the reader panic or
// return data outside the block.
func FuzzBlockReader(f *testing.F) {
	// Seeds: a well-formed block of three packets, one with a single
	// packet, an empty block, and a truncated header.
	f.Add(buildBlock(2048, [][]byte{[]byte("abc"), make([]byte, 600), []byte("z")}))
	f.Add(buildBlock(512, [][]byte{make([]byte, 60)}))
	f.Add(buildBlock(256, nil))
	f.Add(buildBlock(256, [][]byte{[]byte("q")})[:40])
	f.Fuzz(func(t *testing.T, b []byte) {
		var r blockReader
		r.start(b)
		var p Packet
		for i := 0; r.next(&p); i++ {
			if i > len(b)/pktHdrBytes {
				t.Fatal("more packets than headers fit")
			}
			if len(p.Data) > len(b) {
				t.Fatal("packet larger than block")
			}
		}
	})
}

func TestOptionsValidate(t *testing.T) {
	o := DefaultOptions()
	if err := o.validate(4096); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for name, mut := range map[string]func(*Options){
		"block not page multiple": func(o *Options) { o.BlockSize = 6000 },
		"block not pow2":          func(o *Options) { o.BlockSize = 3 * 4096 },
		"no blocks":               func(o *Options) { o.BlockCount = 0 },
		"frame unaligned":         func(o *Options) { o.FrameSize = 1000 },
		"frame > block":           func(o *Options) { o.FrameSize = 1 << 21 },
		"timeout zero":            func(o *Options) { o.BlockTimeout = 0 },
	} {
		o := DefaultOptions()
		mut(&o)
		if err := o.validate(4096); !errors.Is(err, ErrOptions) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
