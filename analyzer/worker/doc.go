// Package worker is the analysis pipeline that one core runs: decode each
// frame, account it in the connection table, and encode finished
// connections as log records.
//
// A Worker is owned by exactly one goroutine (normally locked to an OS
// thread pinned to a core). It receives frames in Batches from a packet
// source (capture/replay, AF_XDP, AF_PACKET) and hands encoded log records
// to a Sink in large chunks, never per packet. Nothing in a Worker is
// shared with another worker.
//
// Per-packet path: Decoder.Decode, Table.Advance and Table.Packet for each
// IP level. It allocates nothing in steady state (TestNoAllocs), takes no
// lock and makes no syscall; the Sink is called only when a log buffer
// fills or at Finish.
package worker
