package pcapfile

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
)

// pcapng block types this reader knows.
const (
	ngBlockIDB = 0x00000001 // interface description
	ngBlockPB  = 0x00000002 // packet (obsolete)
	ngBlockSPB = 0x00000003 // simple packet
	ngBlockISB = 0x00000005 // interface statistics
	ngBlockEPB = 0x00000006 // enhanced packet
	ngBlockSHB = 0x0a0d0d0a // section header

	ngByteOrderMagic = 0x1a2b3c4d

	// maxMetaBlock bounds the section header, interface description and
	// interface statistics blocks the reader buffers whole.
	maxMetaBlock = 1 << 20

	ngOptEnd      = 0
	ngOptTSResol  = 9
	ngOptTSOffset = 14
)

// ngIface is what the reader keeps about one interface of the current
// section.
type ngIface struct {
	link    uint16
	units   uint64 // timestamp units per second (if_tsresol)
	offset  int64  // if_tsoffset, seconds
	snaplen uint32 // 0 means unlimited
}

// ngReader decodes pcapng blocks from a bufio.Reader whose buffer holds
// at least MaxSnaplen+ngSlack bytes, so a packet block's body can be
// returned as a view into that buffer.
//
// Not safe for concurrent use; owned by one Reader.
type ngReader struct {
	src *bufio.Reader
	big bool // current section is big-endian

	hdr  [28]byte // block header plus fixed packet-block fields
	meta []byte   // buffer for whole metadata blocks

	ifaces  []ngIface
	started bool
	off     int64 // file offset of the current block
	next    int64 // file offset of the block after it
	skip    int   // bytes of the last packet block still to discard
}

// ngSlack is room in the read buffer for a packet block's options.
const ngSlack = 64 << 10

func newNgReader(src *bufio.Reader) *ngReader {
	return &ngReader{src: src, meta: make([]byte, 0, 4096)}
}

func (f *ngReader) u16(b []byte) uint16 {
	if f.big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (f *ngReader) u32(b []byte) uint32 {
	if f.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// packet returns the next packet. It returns io.EOF at a clean end.
func (f *ngReader) packet() (data []byte, info Info, err error) {
	if f.skip > 0 {
		n, err := f.src.Discard(f.skip)
		if n < f.skip {
			f.skip = 0
			return nil, Info{}, f.short(err)
		}
		f.skip = 0
	}
	for {
		h := f.hdr[:]
		f.off = f.next
		if err := f.readFull(h[:8], false); err != nil {
			return nil, Info{}, err
		}
		typ := binary.LittleEndian.Uint32(h[0:4]) // SHB type reads the same both ways
		if typ == ngBlockSHB {
			if err := f.readFull(h[8:12], true); err != nil {
				return nil, Info{}, err
			}
			switch {
			case binary.BigEndian.Uint32(h[8:12]) == ngByteOrderMagic:
				f.big = true
			case binary.LittleEndian.Uint32(h[8:12]) == ngByteOrderMagic:
				f.big = false
			default:
				return nil, Info{}, f.corrupt("bad byte-order magic %x", h[8:12])
			}
			f.ifaces = f.ifaces[:0]
		} else {
			if !f.started {
				return nil, Info{}, f.corrupt("first block is not a section header")
			}
			typ = f.u32(h[0:4])
		}
		f.started = true
		length := f.u32(h[4:8])
		if length < 12 || length%4 != 0 {
			return nil, Info{}, f.corrupt("bad block length %d", length)
		}
		f.next = f.off + int64(length)
		switch typ {
		case ngBlockSHB:
			if err := f.readMeta(length, 28, 12); err != nil {
				return nil, Info{}, err
			}
			if maj := f.u16(f.meta[12:14]); maj != 1 {
				return nil, Info{}, fmt.Errorf("pcapng version %d.%d: %w", maj, f.u16(f.meta[14:16]), ErrUnsupported)
			}
			if err := f.checkOptions(f.meta[24:len(f.meta)-4], nil); err != nil {
				return nil, Info{}, err
			}
		case ngBlockIDB:
			if err := f.readMeta(length, 20, 8); err != nil {
				return nil, Info{}, err
			}
			if err := f.idb(); err != nil {
				return nil, Info{}, err
			}
		case ngBlockEPB, ngBlockPB:
			return f.enhanced(typ, length)
		case ngBlockSPB:
			return f.simple(length)
		default: // statistics, name resolution, secrets, custom: skipped
			rest := int(length) - 8
			n, err := f.src.Discard(rest)
			if n < rest {
				return nil, Info{}, f.short(err)
			}
		}
	}
}

// short reports a block that ends before its length says.
func (f *ngReader) short(err error) error {
	if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: pcapng block at offset %d ends early", ErrTruncated, f.off)
	}
	return err
}

// readFull reads len(b) bytes of the current block. gotAny says whether
// bytes of this block were already read (so EOF means truncation).
func (f *ngReader) readFull(b []byte, gotAny bool) error {
	n, err := io.ReadFull(f.src, b)
	if err == nil {
		return nil
	}
	if err == io.EOF && !gotAny {
		return io.EOF
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: pcapng block at offset %d ends early (%d of %d bytes)", ErrTruncated, f.off, n, len(b))
	}
	return err
}

func (f *ngReader) corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: pcapng block at offset %d: %s", ErrCorrupt, f.off, fmt.Sprintf(format, args...))
}

// readMeta reads a whole block of at least min bytes whose first have
// bytes are already in f.hdr into f.meta and checks its trailing length.
func (f *ngReader) readMeta(length uint32, min uint32, have int) error {
	if length < min {
		return f.corrupt("block length %d below minimum %d", length, min)
	}
	if length > maxMetaBlock {
		return f.corrupt("metadata block of %d bytes exceeds %d", length, maxMetaBlock)
	}
	if cap(f.meta) < int(length) {
		f.meta = make([]byte, length)
	}
	f.meta = f.meta[:length]
	copy(f.meta, f.hdr[:have])
	if err := f.readFull(f.meta[have:], true); err != nil {
		return err
	}
	if t := f.u32(f.meta[length-4:]); t != length {
		return f.corrupt("trailing length %d differs from leading length %d", t, length)
	}
	return nil
}

// checkOptions walks an options area; visit, if not nil, sees each option.
func (f *ngReader) checkOptions(b []byte, visit func(code uint16, val []byte) error) error {
	for len(b) >= 4 {
		code := f.u16(b[0:2])
		olen := int(f.u16(b[2:4]))
		b = b[4:]
		if code == ngOptEnd {
			return nil
		}
		padded := (olen + 3) &^ 3
		if padded > len(b) {
			return f.corrupt("option %d of %d bytes overruns its block", code, olen)
		}
		if visit != nil {
			if err := visit(code, b[:olen]); err != nil {
				return err
			}
		}
		b = b[padded:]
	}
	return nil
}

// idb records the interface description block in f.meta.
func (f *ngReader) idb() error {
	m := f.meta
	ifc := ngIface{link: f.u16(m[8:10]), units: 1_000_000, snaplen: f.u32(m[12:16])}
	err := f.checkOptions(m[16:len(m)-4], func(code uint16, val []byte) error {
		switch code {
		case ngOptTSResol:
			if len(val) < 1 {
				return f.corrupt("empty if_tsresol")
			}
			exp := val[0] & 0x7f
			if val[0]&0x80 != 0 {
				if exp > 63 {
					return f.corrupt("if_tsresol 2^-%d is too fine", exp)
				}
				ifc.units = 1 << exp
			} else {
				if exp > 19 {
					return f.corrupt("if_tsresol 10^-%d is too fine", exp)
				}
				ifc.units = 1
				for i := uint8(0); i < exp; i++ {
					ifc.units *= 10
				}
			}
		case ngOptTSOffset:
			if len(val) != 8 {
				return f.corrupt("if_tsoffset of %d bytes", len(val))
			}
			if f.big {
				ifc.offset = int64(binary.BigEndian.Uint64(val))
			} else {
				ifc.offset = int64(binary.LittleEndian.Uint64(val))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(f.ifaces) >= 1<<16 {
		return f.corrupt("more than %d interfaces in one section", 1<<16)
	}
	f.ifaces = append(f.ifaces, ifc)
	return nil
}

// body returns the rest of the current packet block (after the first
// have bytes) as a view into the read buffer, holding at least need bytes,
// and arranges for the block to be skipped on the next call.
func (f *ngReader) body(length uint32, have, need int) ([]byte, error) {
	rest := int(length) - have
	want := rest
	if want > MaxSnaplen+ngSlack {
		want = need // options too long to view whole; skip them later
	}
	b, err := f.src.Peek(want)
	if len(b) < want {
		return nil, f.short(err)
	}
	if want == rest {
		if t := f.u32(b[rest-4:]); t != length {
			return nil, f.corrupt("trailing length %d differs from leading length %d", t, length)
		}
	}
	f.skip = rest
	return b, nil
}

// enhanced decodes an enhanced or obsolete packet block.
func (f *ngReader) enhanced(typ, length uint32) ([]byte, Info, error) {
	if length < 32 {
		return nil, Info{}, f.corrupt("packet block length %d below minimum 32", length)
	}
	h := f.hdr[:28]
	if err := f.readFull(h[8:28], true); err != nil {
		return nil, Info{}, err
	}
	var id uint32
	if typ == ngBlockEPB {
		id = f.u32(h[8:12])
	} else {
		id = uint32(f.u16(h[8:10]))
	}
	if id >= uint32(len(f.ifaces)) {
		return nil, Info{}, f.corrupt("packet on interface %d; section has %d", id, len(f.ifaces))
	}
	caplen := f.u32(h[20:24])
	if caplen > MaxSnaplen {
		return nil, Info{}, f.corrupt("capture length %d exceeds maximum %d", caplen, MaxSnaplen)
	}
	if 32+caplen > length {
		return nil, Info{}, f.corrupt("capture length %d overruns block of %d bytes", caplen, length)
	}
	b, err := f.body(length, 28, int(caplen))
	if err != nil {
		return nil, Info{}, err
	}
	ifc := &f.ifaces[id]
	info := Info{
		TS:       ifc.nanos(uint64(f.u32(h[12:16]))<<32 | uint64(f.u32(h[16:20]))),
		CapLen:   int(caplen),
		WireLen:  int(f.u32(h[24:28])),
		LinkType: ifc.link,
	}
	return b[:caplen:caplen], info, nil
}

// simple decodes a simple packet block: interface 0, no timestamp.
func (f *ngReader) simple(length uint32) ([]byte, Info, error) {
	if length < 16 {
		return nil, Info{}, f.corrupt("simple packet block length %d below minimum 16", length)
	}
	if len(f.ifaces) == 0 {
		return nil, Info{}, f.corrupt("simple packet block before any interface")
	}
	h := f.hdr[:12]
	if err := f.readFull(h[8:12], true); err != nil {
		return nil, Info{}, err
	}
	wire := f.u32(h[8:12])
	ifc := &f.ifaces[0]
	caplen := wire
	if ifc.snaplen != 0 && caplen > ifc.snaplen {
		caplen = ifc.snaplen
	}
	if caplen > length-16 {
		caplen = length - 16 // the block holds what was captured
	}
	if caplen > MaxSnaplen {
		return nil, Info{}, f.corrupt("capture length %d exceeds maximum %d", caplen, MaxSnaplen)
	}
	b, err := f.body(length, 12, int(caplen))
	if err != nil {
		return nil, Info{}, err
	}
	return b[:caplen:caplen], Info{CapLen: int(caplen), WireLen: int(wire), LinkType: ifc.link}, nil
}

// nanos converts a raw timestamp of this interface to ns since the epoch.
func (ifc *ngIface) nanos(ts uint64) int64 {
	if ifc.units == 1_000_000_000 {
		return int64(ts) + ifc.offset*1e9
	}
	sec := ts / ifc.units
	frac := ts % ifc.units
	hi, lo := bits.Mul64(frac, 1e9)
	ns, _ := bits.Div64(hi, lo, ifc.units) // hi < units since frac < units
	return (int64(sec)+ifc.offset)*1e9 + int64(ns)
}
