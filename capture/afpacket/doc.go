// Package afpacket is the AF_PACKET fallback of the live capture frontend,
// for hosts or drivers where XDP is not available, and a simple frame
// sender for packet generators and tests. Pure Go through
// golang.org/x/sys/unix.
//
// # Model
//
// A Socket is a raw AF_PACKET socket with a TPACKET_V3 receive ring:
// BlockCount blocks of BlockSize bytes mapped into our address space. The
// kernel packs received packets one after another into the current block
// and hands the whole block over (block status TP_STATUS_USER) when it is
// full or when BlockTimeout expires. Receive walks the packets of the
// block in place, without copying or allocating, and gives the block back
// (status TP_STATUS_KERNEL) when the caller asks for more after its last
// packet. Packet.Data is therefore valid until the next Receive.
//
// Several sockets on one interface share the traffic through a fanout
// group (PACKET_FANOUT_HASH, with PACKET_FANOUT_FLAG_DEFRAG so fragments
// are reassembled before hashing). The kernel's flow hash is symmetric,
// so both directions of a flow land on the same socket, but it is not the
// xsensor flow hash: a flow may reach a different worker than under XDP
// or replay, though always exactly one.
//
// Open sets up the ring before binding, so no packet arrives before the
// ring exists, and joins the fanout group last. Promiscuous mode is a
// packet-socket membership: the kernel drops it when the socket closes,
// even after a crash.
//
// # Concurrency
//
// A Socket belongs to one goroutine (Receive, Wait, Stats); sockets of a
// group are independent. A Sender belongs to one goroutine.
//
// # Hazards
//
//   - PACKET_STATISTICS resets on every read; Stats accumulates, so only
//     one reader may call it.
//   - Holding Packet.Data across Receive reads memory the kernel refills.
//   - A block is only returned when the caller asks for more: a worker
//     that stops calling Receive freezes the ring (Stats.FreezeQCnt) and
//     the kernel drops (Stats.Drops).
//   - Sockets must be opened in the interface's network namespace.
//   - Fanout group ids are per network namespace, not per interface: a
//     group already bound to another interface (or with other flags)
//     refuses the join. Use one FanoutGroup per interface.
//
// The block status word is the only unsafe access (afpacket_unsafe.go);
// packet headers are read with encoding/binary from the ring bytes and
// every offset is checked against the block, so a corrupt block ends the
// walk instead of panicking (FuzzBlockReader).
package afpacket
