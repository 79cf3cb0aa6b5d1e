// Package bpf is the kernel side of xsensor's live frontend: an XDP
// program that spreads frames over AF_XDP sockets by the symmetric flow
// hash, and its Go loader.
//
// # Model
//
// xsensor.c parses each frame (Ethernet, up to 8 VLAN/QinQ tags, up to 8
// MPLS labels or a PPPoE session, IPv4 or IPv6 with up to 8 extension
// headers, TCP and SCTP ports of non-fragments, no ports for UDP)
// exactly as analyzer/flowhash/doc.go defines, builds the canonical flow key and
// computes the same MurmurHash3 value as flowhash.Of. It redirects the
// frame to XSKMAP slot
//
//	rx_queue * WorkersPerQueue + hash % WorkersPerQueue
//
// and when that slot has no socket it passes or drops the frame
// (Options.NoSocket). Before hashing, a flow in the shunt map is dropped
// (a worker asked the kernel to stop sending it) and, when the CIDR filter
// is on, a packet whose addresses the filter refuses gets the NoSocket
// action. Frames without an IP header hash to 0 (slot rx_queue *
// WorkersPerQueue) and are never filtered or shunted.
//
// Maps: xs_stats_map (per-CPU counters, summed by Counters), xs_config_map
// (one config struct), xs_xsks (XSKMAP, Queues*WorkersPerQueue slots),
// xs_shunt (LRU hash: FlowKey → packets, bytes dropped), xs_filter4 and
// xs_filter6 (LPM tries) and xs_debug_map (the last verdict, written only
// in tests). Layouts and constants shared by C and Go are in
// xsensor_common.h, mirrored in common.go; the build fails when a struct
// mirror drifts (program_linux.go) and TestCommonConstants checks the
// constants.
//
// Proof of equality with Go: TestGoldenFrames runs over 3,000 generated
// frames (both directions of many flows, VLAN/QinQ, MPLS, PPPoE, IPv6
// extension headers, fragments, ICMP, SCTP, truncated and malformed
// frames) through the program with BPF_PROG_TEST_RUN and compares hash and
// slot with flowhash.Of, in both hash modes; TestZeekTraces does the same
// for the Ethernet frames of Zeek's test traces, and FuzzKernelHash is a
// differential fuzz target.
//
// # Attaching and stale programs
//
// Attach uses a bpf_link (BPF_LINK_CREATE). A link lives as long as its
// file descriptor, so the kernel detaches the program when the process
// exits, also after kill -9: xsensor never leaves its own program behind,
// and `ip link show` lists none after Close. A program attached the legacy
// way (netlink, without a link: an older build, `ip link set dev X xdp
// obj …`) would stay; Attach reads the interface's programs over
// rtnetlink, and removes one named xsensor_xdp that no link holds
// (atomically, with XDP_FLAGS_REPLACE and the expected fd). An xsensor
// program held by a live link means another xsensor runs: ErrBusy. Any
// other program: ErrForeignProgram, left in place.
//
// # Hazards
//
//   - The object is generated: edit xsensor.c or xsensor_common.h, run
//     `make generate` (bpf2go, clang 14 from Debian 12, see gen.go) and
//     commit xsensor_bpfel.{go,o}; check-generate.sh fails on stale output.
//   - flowhash's definition is the specification: when it changes,
//     xsensor.c (and NewFlowKey's UDP rule) must change with it.
//     TestGoldenFrames, TestZeekTraces and FuzzKernelHash catch a drift.
//   - The hash reads key words little-endian: only the bpfel object is
//     built, and Load exists only on little-endian Linux.
//   - The shunt key is always the 5-tuple key, also in ip-pair mode, and
//     fragments key without ports, so a shunted flow's non-first
//     fragments still reach the workers.
//   - RedirectFailures counts only empty slots. A full AF_XDP RX ring drops
//     after the program returned XDP_REDIRECT; that loss shows in the
//     socket's XDP_STATISTICS, not here.
//   - The parser follows packet offsets up to XS_MAX_OFF (32 KiB); IPv6
//     extension headers reaching beyond it count as beyond the frame, as
//     they are for every frame an XDP program can see. XDP multi-buffer
//     (frags) is not enabled: the program sees the linear part only.
//   - SetFilter updates the tries entry by entry: while it runs, a packet
//     may see a mix of old and new prefixes.
//
// # Concurrency
//
// A Program may be used from any goroutine. Map operations are single
// syscalls; Attach, SetFilter and Close are serialised by a mutex. The
// program itself runs on every CPU at once; its counters are per CPU and
// the shunt counts are updated atomically.
package bpf
