// Package ring provides a lock-free single-producer single-consumer ring.
//
// Model: SPSC[T] is a power-of-two array with two free-running uint64
// indices, tail (written only by the producer) and head (written only by
// the consumer). Each side keeps a cached copy of the other side's index
// and reloads it with an atomic load only when the cached value says the
// ring is full (producer) or empty (consumer), the technique of the Linux
// AF_XDP rings and gVisor's pkg/xdp queues. The two sides' fields sit on
// separate cache lines (128-byte padding, covering adjacent-line
// prefetch), so they do not false-share.
//
// Publication: the producer writes the slot, then stores tail (release);
// the consumer loads tail (acquire), then reads the slot. Go's sync/atomic
// operations are sequentially consistent, which is stronger than needed.
//
// Blocking: Push and Pop wait with a Backoff (a short spin, then
// runtime.Gosched, then sleeps growing to MaxSleep); no channels, no locks.
// Close ends the stream: the consumer drains what was pushed before Close
// and then sees the end.
//
// Hazards:
//   - Exactly one producer goroutine and one consumer goroutine at a time.
//     Handing a side to another goroutine needs a happens-before edge
//     (a channel send, a WaitGroup) between the old and the new owner.
//   - Values are copied in and out; popped slots are zeroed so the ring
//     does not keep pointers alive.
//   - The sleeping phase of Backoff adds latency (up to MaxSleep) when a
//     side has been idle; a busy ring never sleeps.
package ring
