package xsk

// Desc describes one frame in the UMEM, exactly as the kernel lays out
// struct xdp_desc in the RX and TX rings.
//
// Addr is the byte offset of the packet data inside the UMEM (it includes
// any headroom the kernel left in front of the packet); Len is the packet
// length. Options carries XDP_PKT_CONTD and friends; this package never
// asks for multi-buffer frames, so on receive it is zero.
type Desc struct {
	Addr    uint64
	Len     uint32
	Options uint32
}

// xdpPacketHeadroom is XDP_PACKET_HEADROOM: the space the kernel keeps in
// front of every frame it writes in copy mode, in addition to the
// configured headroom.
const xdpPacketHeadroom = 256
