// Package flowhash defines xsensor's symmetric flow hash: the one function
// that decides which worker sees a packet. The replay dispatcher computes it
// in Go; the XDP program (bpf/) computes the identical value in C, and a
// privileged test proves the two equal on golden frames.
//
// # Definition (version 1)
//
// Parsing. The frame is parsed from its link layer to the first IP header:
//
//   - Ethernet: up to 8 VLAN tags (0x8100, 0x88a8, 0x9100) are skipped, then
//     up to 8 MPLS labels (0x8847, 0x8848; the bottom-of-stack label is
//     followed by IPv4 or IPv6, told apart by the version nibble), or one
//     PPPoE session header (0x8864) whose PPP protocol is 0x0021 (IPv4) or
//     0x0057 (IPv6).
//   - Other link types (pcap LINKTYPE_ numbers): raw IP (101, 228, 229, 12,
//     14), BSD NULL/loopback (0), Linux SLL (113), Linux SLL2 (276) and PPP
//     (9) reach the same IP parser; anything else is not parsed.
//   - IPv4: the header length is taken from IHL. The packet is a fragment
//     when MF is set or the fragment offset is non-zero.
//   - IPv6: up to 8 extension headers are skipped (hop-by-hop 0, routing 43,
//     destination options 60, mobility 135, AH 51 with its own length rule,
//     fragment 44). A Fragment header makes the packet a fragment (even an
//     atomic one, offset 0 and M clear, as RFC 8200 allows).
//
// The key. From the outermost IP header: the two addresses, the transport
// protocol (after IPv6 extension headers) and, for TCP (6) and SCTP (132)
// packets that are not fragments, the two ports. UDP, fragments, ICMP,
// ICMPv6 and every other protocol key with both ports zero. UDP keys on
// the address pair because UDP is what gets fragmented (DNS, tunnels,
// NFS) and a fragment carries no ports, and because a tunnel's two
// directions often use different source ports (VXLAN and Geneve derive
// them from the inner flow, GTP-U uplink and downlink differ): every
// packet of a UDP flow, fragmented or not, and every flow inside a UDP
// tunnel, then reaches one worker, live as in replay. The cost is balance:
// all UDP between two hosts shares a worker. An ICMP echo request and its
// reply (different types) meet the same way. TCP fragments are rare (TCP
// sets DF and discovers the path MTU); live, such a fragment may reach
// another worker than its flow. In ModeIPPair the ports and the protocol
// are always zero.
//
// Symmetry. Let A = (source address, source port) and B = (destination
// address, destination port). The two endpoints are put in canonical
// order: A first if A's address bytes compare lower (memcmp) than B's, or
// if the addresses are equal and A's port is lower or equal; else B first.
//
// Bytes hashed. lo address ‖ hi address ‖ lo port ‖ hi port ‖ protocol ‖
// three zero bytes, where addresses are in network byte order (4 bytes for
// IPv4, 16 for IPv6) and ports are big-endian 16-bit numbers: 16 bytes for
// IPv4, 40 for IPv6. The hash is MurmurHash3 x86_32 of those bytes with
// seed 0, reading 4-byte blocks little-endian, as in the reference
// implementation.
//
// Frames that do not reach an IP header (ARP, LLDP, 802.11, truncated
// frames, …) hash to 0, so they all land on the first worker.
//
// Slot. A live sensor redirects to XSKMAP slot queue*workersPerQueue +
// hash%workersPerQueue; replay hands the packet to worker hash%N.
//
// # Fragments
//
// Fragments key without ports and so may land on another worker than the
// rest of their flow. Replay therefore reassembles outer fragments in the
// dispatcher (analyzer/frag) and hashes the whole datagram with its ports;
// see capture/replay.
package flowhash
