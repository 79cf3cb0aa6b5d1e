// Package xsk is the AF_XDP side of the live capture frontend: a UMEM
// shared by a group of AF_XDP sockets bound to one RX queue, the four
// rings that move frames between the kernel and user space, and the
// lock-free path that hands received frames back to the kernel.
//
// # Model
//
// One Group per (interface, RX queue). The group maps one UMEM
// (Options.FrameCount chunks of Options.FrameSize bytes) and opens N
// sockets on the queue, following Documentation/networking/af_xdp.rst:
//
//   - Socket 0 registers the UMEM and creates the fill and completion
//     rings, then binds. With ModeAuto it tries XDP_ZEROCOPY first and
//     falls back to XDP_COPY, logging the fallback and the kernel's reason
//     once through Options.Logf (veth, for one, refuses zero-copy with
//     EOPNOTSUPP). XDP_USE_NEED_WAKEUP is set when Options.NeedWakeup.
//   - Sockets 1..N-1 create only their own RX (and TX) ring and bind with
//     XDP_SHARED_UMEM and socket 0's fd. On the same queue the kernel
//     shares socket 0's buffer pool: one fill ring and one completion ring
//     for the whole group, one RX ring per socket. (Sharing a UMEM across
//     queues would need a fill ring per queue; this package uses one UMEM
//     per queue instead.)
//
// The XDP program (bpf/) picks a socket per packet through an XSKMAP
// whose slots hold Socket.FD. The kernel takes a free chunk from the fill
// ring, copies (or DMAs) the packet into it and posts a descriptor on the
// chosen socket's RX ring. A worker takes descriptors with Receive, reads
// the packet through Frame (a view into the UMEM), and gives the chunk
// back with Release.
//
// # Rings
//
// Every ring is a power-of-two array plus producer and consumer indices
// in memory shared with the kernel. Indices run freely and wrap at 2^32;
// slot = index & (size-1). Each ring keeps cached copies of both indices
// and touches the kernel's index with an atomic load only when the cache
// runs out (a consumer that has consumed everything it knew of, a
// producer that has filled every slot it knew were free), and stores its
// own index once per batch. Go's sync/atomic gives the acquire/release
// ordering the kernel's smp_load_acquire/smp_store_release pair with.
//
// # Returning frames without locks
//
// The fill ring has one producer, but the sockets that share it are
// served by different worker goroutines, and a chunk received on socket A
// may be refilled into the ring that then serves socket B. So:
//
//   - Each socket owns a single-producer single-consumer return ring
//     sized to hold every chunk of the UMEM. Release pushes the chunk
//     addresses there: the worker is the only producer.
//   - The fill ring's producer side belongs to whoever holds the group's
//     fill token, an atomic word taken with one compare-and-swap. After
//     pushing, Release tries to take the token; the winner drains every
//     socket's return ring into the fill ring and puts the token back. A
//     loser returns at once: its chunks are already visible in its return
//     ring and the current holder, or the next releaser, moves them.
//   - After putting the token back the holder checks the return rings once
//     more, so chunks pushed while it was draining are not stranded when
//     every worker then goes idle.
//
// No goroutine ever waits for another: a holder that is preempted only
// delays refilling, and the fill ring (sized to hold every receive chunk)
// never runs out of room for returned chunks. Partitioning the UMEM per
// socket instead does not work on one queue: the kernel takes chunks from
// the shared fill ring for whichever socket the program picks.
//
// # Transmit
//
// The last Options.TxFrames chunks (UMEM.TxAddr) never go on the fill
// ring; a generator writes frames into them (UMEM.Chunk), queues them with
// Transmit, calls Kick (sendto, skipped when need_wakeup says the kernel
// is awake) and reaps finished chunks from the completion ring with
// Complete on socket 0.
//
// # Concurrency
//
// A Socket belongs to one worker goroutine: Receive, Release, Transmit,
// Complete, Kick and Wait are called only there. Release may run on all
// of a group's workers at once. Stats, Frame and the UMEM accessors may be
// called from anywhere. OpenGroup and Close belong to the controlling
// goroutine; Close runs after every worker has stopped.
//
// # Hazards
//
//   - Frame views point into the UMEM: using one after Release (or after
//     Close) reads a chunk the kernel may be overwriting.
//   - Releasing a chunk twice puts it on the fill ring twice and corrupts
//     two packets later; the return ring counts what does not fit as
//     ReleaseOverflow but cannot detect every double release.
//   - If a worker stops calling Receive, its RX ring fills and the kernel
//     drops what the program sends it (Stats.RxRingFull); if workers hold
//     chunks instead of releasing them, the fill ring empties
//     (Stats.RxFillRingEmptyDescs). Size FrameCount above the sum of the
//     RX rings plus what workers hold.
//   - Sockets must be created in the network namespace of the interface:
//     the kernel resolves ifindex in the socket's namespace.
//   - When Receive returns 0 the worker must Wait (poll): with need_wakeup
//     that is how the kernel learns it may refill, and busy polling, when
//     enabled, spins there.
//
// Every unsafe pointer conversion and raw syscall lives in xsk_unsafe.go.
package xsk
