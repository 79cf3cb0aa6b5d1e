// Package live runs workers on a network interface: the all-in-one live
// sensor behind `xsensor run`.
//
// XDP mode. The XDP program (bpf/) is attached to the interface (driver
// mode, or skb mode on request or when the driver refuses), and one
// AF_XDP socket group is opened per RX queue: workersPerQueue sockets
// sharing one UMEM. The program hashes every packet with the flow hash of
// analyzer/flowhash and redirects it to XSKMAP slot
// queue*workersPerQueue + hash%workersPerQueue; each socket feeds exactly
// one worker goroutine, locked to its OS thread and pinned to its own core.
// Frames are handed to the worker by reference (worker.Batch.AddRef) and
// go back to the fill ring after the batch, without locks.
//
// Multi-queue NICs. The XDP program only chooses among the sockets of the
// queue a packet arrived on, so both directions of a flow must arrive on
// the same queue: configure a symmetric RSS hash key (for example
// `ethtool -X eth1 hkey 6d:5a:6d:5a:…` on NICs that take one) or use one
// queue. With the kernel's default, asymmetric Toeplitz key, the two
// directions of a flow may reach different workers. (On veth the "RX
// queue" is the peer's TX queue, chosen per packet by the sender's
// kernel, so multi-queue veth tests split flows too.)
//
// AF_PACKET mode. Where XDP is unavailable, N TPACKET_V3 sockets join one
// PACKET_FANOUT_HASH group; the kernel's symmetric flow hash spreads flows
// over them. Each flow still reaches exactly one worker, though not
// necessarily the one XDP or replay would pick.
//
// Time. A batch is stamped once with the wall clock as it is received
// (AF_XDP carries no timestamps); AF_PACKET frames carry the kernel's.
// Idle workers still advance their timers every poll interval.
//
// Teardown. Stop (or the context) ends the workers, which flush their open
// connections as Zeek does at exit; then the sockets close and the program
// is detached. A program left behind by a killed sensor is replaced on the
// next start (see bpf.Program.Attach).
package live
