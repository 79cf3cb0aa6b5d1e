// Package replay feeds a capture file to N workers the way a live sensor's
// XDP program would: each frame goes to worker flowhash%N, in batches,
// through single-producer single-consumer lock-free rings.
//
// One reader goroutine reads the file, hashes each frame with
// analyzer/flowhash and copies it into the current batch of its worker.
// Full batches travel to the worker over that worker's "full" ring; the
// worker hands processed batches back over its "free" ring, so every batch
// is allocated once, at start. Workers run on locked OS threads, pinned to
// one core each when there are no more workers than allowed cores.
//
// Fragments. Outer IP fragments carry no ports, so the reader reassembles
// them (analyzer/frag) before hashing and hands the whole datagram on as a
// raw IP frame: every packet of a flow, fragmented or not, reaches the
// same worker. Fragments inside tunnels are reassembled by the worker's
// decoder, since the outer header already decided the worker.
//
// Time. Each worker runs its connection timers on the timestamps of its
// own packets; at the end every worker flushes its open connections at the
// trace's last timestamp, as Zeek does when it reaches the end of a trace.
//
// Watching. Options.Counters (NewCounters) are kept current while Run
// works, for a metrics endpoint to read from any goroutine: each worker
// adds its packets and bytes and stores its flow-table size after every
// batch (summing the batch's metadata), the reader stores its totals
// whenever it hands on a batch. No atomic is written per packet; the
// values trail the truth by up to a batch until Run returns, when they
// are exact.
package replay
