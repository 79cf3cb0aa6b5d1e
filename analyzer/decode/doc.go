// Package decode turns captured frames into Packets: the IP levels of a
// frame (the outer packet and those carried by tunnels) with their
// transport headers, as Zeek's packet analysis sees them.
//
// # Model
//
// Decoder.Decode walks a frame from its link layer (pcap LINKTYPE_*
// numbers: Ethernet with 802.1Q/802.1ad/QinQ, MPLS, PPPoE, VN-Tag, PBB,
// Cisco FabricPath and LLC/SNAP; FDDI; raw IP; BSD loopback; Linux
// SLL and SLL2; NFLOG; 802.11 with or without radiotap; PPP with and
// without HDLC framing) to IP, then
// through IPv4 options or the IPv6 extension-header chain to TCP, UDP,
// ICMP or ICMPv6, following tunnels as Zeek does: IP-in-IP, GRE
// (including PPTP, transparent Ethernet bridging, ERSPAN I-III, Aruba
// wireless, GRE-in-GRE), GRE over UDP, VXLAN, Geneve, GTPv1-U, Teredo and
// AYIYA. Each IP packet found becomes a Level; Packet.N counts them.
//
// Zeek is the reference for every decision: the same checks in the same
// order, the same weird names (with Zeek's "_in_tunnel" suffix inside a
// tunnel), the same UDP ports for tunnels (Teredo and AYIYA also by
// Zeek's protocol detection), Tunnel::max_depth (Options.MaxTunnelDepth,
// default 2). Checksums are verified unless Options.IgnoreChecksums
// (Zeek's -C), on inner levels too, and never on truncated captures:
//
//   - a bad IPv4 header checksum gives weird "bad_IP_checksum"; that level
//     is kept (Level.BadIPChecksum) as the last one with no transport
//     decoded. Zeek drops the packet: do not create a connection for it.
//   - a bad TCP, UDP or ICMP checksum sets Level.BadChecksum (Zeek's
//     connection-level weirds bad_TCP_checksum etc. are the caller's).
//     A UDP packet with a bad checksum is not decapsulated. A zero UDP
//     checksum over IPv4 means none; VXLAN senders may send zero over IPv6.
//
// Transport headers: a header that does not fit in the IP payload sets
// Level.TransportTruncated (Zeek makes no connection); a TCP header whose
// data offset is impossible sets Level.Malformed (Zeek makes the
// connection, then ignores the packet). Level.PayloadLen is what the
// headers state: for UDP the UDP length field minus 8, which Zeek counts
// in orig_bytes/resp_bytes; for ICMP the IP payload minus the 8-byte
// ICMP header. ICMP types and codes are in ICMPType/ICMPCode, not in the
// ports.
//
// The first anomaly sets Packet.Weird; all are counted in Stats.Weirds.
// Flow weirds are attached by Zeek to the addresses of the innermost IP
// header parsed so far, which is Levels[N-1] when N > 0.
//
// Fragments met by the decoder are reassembled with its own
// frag.Reassembler; while a datagram is incomplete Packet.N stops before
// its level. Reassembled datagrams are copied to per-level buffers so that
// all the slices of one Packet stay valid together.
//
// # Hazards
//
// All slices in a Packet alias the frame or the decoder's buffers and are
// valid only until the next Decode. A Decoder is not safe for concurrent
// use. Decode never panics on any input and never allocates in steady
// state: gopacket layers (Ethernet, Dot1Q, LLC, SNAP, Loopback, ICMPv4,
// ICMPv6) are only called on lengths already checked, and the layers that
// gopacket lacks or mishandles (layers.go) are xsensor's own
// gopacket.DecodingLayers whose errors are preallocated values.
//
// A Packet holds one IP datagram per level. An 802.11 A-MSDU frame whose
// subframes carry several IP packets yields only the first (Zeek
// analyses each): known deviation.
package decode
