// Package worker is the analysis pipeline that one core runs: decode each
// frame, account it in the connection table, run the protocol layer on
// it, and encode log records.
//
// A Worker is owned by exactly one goroutine (normally locked to an OS
// thread pinned to a core). It receives frames in Batches from a packet
// source (capture/replay, AF_XDP, AF_PACKET) and hands encoded log records
// to a Sink in large chunks, never per packet. Nothing in a Worker is
// shared with another worker.
//
// Per-packet path: Decoder.Decode, Table.Advance and Table.Packet for each
// IP level, then, for the innermost level, the protocol layer
// (protocols.go):
//
//   - TCP: per-connection stream reassembly (analyzer/stream) delivers
//     in-order bytes, gaps and end-of-stream to the attached analyzers;
//   - DPD (analyzer/dpd): analyzers are attached by responder port as
//     Zeek registers them, or by Zeek's DPD signatures on the first bytes
//     of each direction (HTTP needs its server signature too before it
//     may log); after a CONNECT tunnel, and on STARTTLS ports, detection
//     runs again;
//   - analyzers: DNS (UDP and TCP), HTTP, TLS, and QUIC (UDP, whose TLS
//     handshake goes to a TLS session, hence ssl.log); each confirmation adds
//     its service to the connection, in confirmation order, as Zeek's
//     Conn::AddService; UDP tunnels add theirs (gtpv1, vxlan, …); a few
//     services xsensor does not analyse (ssh, ftp, ftp-data, ntp, dhcp)
//     are confirmed from content (Options.LiteServices);
//   - weird.log for the decoder's weirds (no connection) and the
//     analyzers' (per connection), with Zeek's weird sampling.
//
// State. The protocol layer keeps a flowState per connection in a pool,
// found through conn.Conn.Slot; connections that need none (no analyzer
// and none possible) are marked so and cost nothing more. Analyzer
// sessions are pooled per type; the table's removal hook (onRemove)
// flushes reassembly, ends the sessions (which log what is pending) and
// returns everything to the pools before conn.log is written.
//
// Allocation. Once warm the per-packet path allocates nothing
// (TestNoAllocs, with the analyzers on): pools grow only while the number
// of concurrent connections of a kind, or their pending transactions,
// exceed what the worker has seen before. Exceptions, per connection:
// conn.log's service string when a connection has two or more services,
// weird addl strings that carry numbers, and the FTP data-channel table
// (one map entry per announced channel).
//
// Hazards. Analyzer callbacks run inside Table calls (the removal hook
// fires from Advance, Packet and Flush): they must not call back into the
// table other than through the *conn.Conn they are given. w.cur and
// w.curConn name the connection an analyzer call is about; they are set
// around every call into a session.
package worker
