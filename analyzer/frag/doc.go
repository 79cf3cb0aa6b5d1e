// Package frag reassembles fragmented IPv4 and IPv6 datagrams.
//
// # Model
//
// A Reassembler keeps at most Options.MaxDatagrams partially received
// datagrams, keyed like Zeek's fragment manager by (source, destination,
// identification). Every fragment's payload is copied into a per-datagram
// buffer at its offset; the covered byte ranges are kept as a short sorted
// list. When the final fragment (MF clear) has been seen and the ranges
// cover [0, size) the datagram is rebuilt into a buffer owned by the
// Reassembler and returned:
//
//   - IPv4: the header of the offset-0 fragment (or the first one seen),
//     with MF and the fragment offset cleared, total length and header
//     checksum recomputed;
//   - IPv6: the unfragmentable part (fixed header and the extension
//     headers before the Fragment header), with the Fragment header
//     removed, the next-header chain patched and the payload length fixed.
//
// Overlapping fragments keep the bytes that arrived first (as Zeek's
// Reassembler does); overlaps whose bytes differ are counted as
// "fragment_inconsistency", identical ones as "fragment_overlap".
//
// # Bounds and hazards
//
// Memory is bounded by MaxDatagrams slots and by MaxBytes, the sum of the
// highest offsets buffered over all pending datagrams; when either bound is
// hit the oldest datagram is evicted. Datagrams expire Timeout nanoseconds
// after their first fragment arrived (Zeek's frag_timeout: the timer is
// armed once, when the reassembler is created, and never re-armed). A
// Timeout of 0 means never, which is Zeek's default (frag_timeout = 0 sec);
// xsensor defaults to 60 s to bound state on long replays. Time is the
// packet timestamp passed to Add, so replays behave like live capture.
//
// A datagram whose fragments leave more than maxRanges holes is dropped
// (counted in Stats.Dropped): it is either an attack or hopeless.
//
// The slice returned by Add aliases an internal buffer and is valid only
// until the next call on the same Reassembler. A Reassembler is not safe
// for concurrent use; each worker (or the dispatcher) owns its own.
package frag
