package afpacket

import "encoding/binary"

// Offsets in struct tpacket_block_desc (version, offset_to_priv, then
// struct tpacket_hdr_v1).
const (
	blkStatus      = 8
	blkNumPkts     = 12
	blkFirstPkt    = 16
	blkLen         = 20
	blkHeaderBytes = 48
)

// Offsets in struct tpacket3_hdr.
const (
	pktNext     = 0
	pktSec      = 4
	pktNsec     = 8
	pktSnaplen  = 12
	pktLen      = 16
	pktStatus   = 20
	pktMac      = 24
	pktRxhash   = 28
	pktVlanTCI  = 32
	pktVlanTPID = 36
	pktHdrBytes = 48
)

// Packet is one received frame.
//
// Data is a view into the socket's ring: it is valid until the next call
// to Receive or Close on the same socket, after which the kernel may
// overwrite it. Copy what must live longer.
type Packet struct {
	Data     []byte // captured bytes, starting at the link-layer header
	Len      uint32 // length on the wire (may exceed len(Data))
	Sec      uint32 // receive time, seconds
	Nsec     uint32 // and nanoseconds
	RxHash   uint32 // the kernel's flow hash
	VLANTCI  uint16 // stripped VLAN tag, valid when Status has TP_STATUS_VLAN_VALID
	VLANTPID uint16
	Status   uint32 // TP_STATUS_* bits
}

// blockReader walks the packets of one retired block. It trusts nothing
// in the block: an offset or length outside it ends the walk early.
type blockReader struct {
	buf  []byte
	left uint32 // packets not yet returned
	off  uint32 // offset of the next packet header
}

// start begins reading blk, a whole block handed to user space.
func (r *blockReader) start(blk []byte) {
	r.buf = blk
	r.left, r.off = 0, 0
	if len(blk) < blkHeaderBytes {
		return
	}
	r.left = binary.NativeEndian.Uint32(blk[blkNumPkts:])
	r.off = binary.NativeEndian.Uint32(blk[blkFirstPkt:])
}

// next fills p with the next packet and reports whether there was one.
func (r *blockReader) next(p *Packet) bool {
	if r.left == 0 {
		return false
	}
	b := r.buf
	off := uint64(r.off)
	if off+pktHdrBytes > uint64(len(b)) {
		r.left = 0
		return false
	}
	h := b[off : off+pktHdrBytes]
	snap := binary.NativeEndian.Uint32(h[pktSnaplen:])
	start := off + uint64(binary.NativeEndian.Uint16(h[pktMac:]))
	end := start + uint64(snap)
	if end > uint64(len(b)) {
		r.left = 0
		return false
	}
	p.Data = b[start:end:end]
	p.Len = binary.NativeEndian.Uint32(h[pktLen:])
	p.Sec = binary.NativeEndian.Uint32(h[pktSec:])
	p.Nsec = binary.NativeEndian.Uint32(h[pktNsec:])
	p.Status = binary.NativeEndian.Uint32(h[pktStatus:])
	p.RxHash = binary.NativeEndian.Uint32(h[pktRxhash:])
	p.VLANTCI = uint16(binary.NativeEndian.Uint32(h[pktVlanTCI:]))
	p.VLANTPID = binary.NativeEndian.Uint16(h[pktVlanTPID:])
	r.left--
	next := binary.NativeEndian.Uint32(h[pktNext:])
	if next == 0 {
		r.left = 0 // the kernel marks the last packet with a zero offset
	}
	r.off += next
	return true
}

// done reports whether every packet of the block has been returned.
func (r *blockReader) done() bool { return r.left == 0 }
