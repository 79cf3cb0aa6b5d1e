// Package stream is per-worker TCP reassembly for the protocol analyzers:
// it turns one direction's segments into in-order bytes, buffers
// out-of-order segments in pooled fixed-size blocks, and reports the
// holes that the peer acknowledged but that were never seen (Zeek's
// TCP_Reassembler::Undelivered, the content gaps that analyzers see).
//
// Model. A Dir is one direction of one connection; it lives inside the
// caller's per-connection state. The Reassembler owns the segment pool
// shared by all of a worker's Dirs. Per segment the caller runs
//
//	b := r.Add(d, seq, payload)  // in-order part of payload, zero-copy
//	deliver(b)
//	for b, ok := r.Next(d); ok; b, ok = r.Next(d) { deliver(b) } // now-contiguous buffered data
//
// and, for the acknowledgment the segment carries for the other
// direction, r.Ack(peer, ack), which returns the size of the next gap to
// report (call Next and Ack again until both are exhausted).
//
// Limits. Out-of-order data is bounded per direction (Options.MaxDirBytes)
// and per worker (Options.MaxBytes, the pool size). A direction over its
// limit gives up waiting: the hole before its first buffered block
// becomes a gap and the buffered data is delivered (counted in
// Stats.DirOverflows). A segment that finds the pool exhausted is
// dropped (Stats.PoolOverflows); when the peer acknowledges it the data
// becomes a gap.
//
// conn.log's missed_bytes is not computed here: analyzer/conn keeps
// Zeek's exact accounting (which counts gaps only while both endpoints
// are established). The gaps this package reports are the ones Zeek's
// analyzers would see, which include those conn.log does not count.
//
// Concurrency: a Reassembler and its Dirs are owned by one worker
// goroutine. Slices returned by Add and Next are valid until the next
// call on the same Reassembler.
package stream
