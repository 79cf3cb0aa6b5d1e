// Package trafficgen synthesises realistic, deterministic Ethernet
// traffic for benchmarks and tests.
//
// Model: Generate keeps a fixed set of concurrently open flows (Options.
// Concurrency) and, for each packet, picks one of them at random and asks
// it for its next packet; a finished flow is replaced by a new one until
// Options.Flows flows have run. So flows interleave in time, memory is
// bounded by the concurrency and not by the number of flows, and
// timestamps increase strictly, spaced around 1/Options.PPS.
//
// Flows are TCP connections (three-way handshake, request/response data
// with coherent sequence and acknowledgement numbers, delayed ACKs every
// second segment, FIN/ACK close; a few reset, a few SYNs never answered),
// UDP request/response flows (DNS on port 53 with well-formed messages,
// others on random high ports) and ICMP (v4 or v6) echo request/reply.
// Every IPv4 header, TCP, UDP and ICMP checksum is correct. A share of
// flows is IPv6 and a share is 802.1Q-tagged.
//
// Packet sizes follow the mix: "imix" steers every packet that carries
// data so that frames fall into the classic 7:4:1 proportion of 64, 594
// and 1518 bytes on the wire (60, 590 and 1514 bytes captured, before the
// 4-byte FCS; IP lengths minimal, 576 and 1500); "small" makes every
// frame minimal (64 bytes on the wire for IPv4; IPv6 headers do not fit
// in 64 bytes so those frames are as small as their headers allow);
// "large" makes every data segment full-sized (1514-byte frames) in
// mostly bulk TCP transfers. Handshake, ACK and FIN packets are small in
// every mix, as on a real link.
//
// The budget of packets is spread over the flows as the generation
// proceeds (each new flow is sized from the packets and flows still to
// go), so a run produces Options.Packets packets (exactly, unless the
// requested flows need more than that) and Options.Flows flows.
//
// Hazards:
//   - The frame passed to emit is valid only during the call.
//   - Same Options (including Seed and Start) give byte-identical output.
//   - Payloads are pseudo-random bytes, except DNS: protocol analyzers
//     on ports like 80 or 443 will see non-conforming data.
package trafficgen
