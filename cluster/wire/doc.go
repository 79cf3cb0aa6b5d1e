// Package wire is the transport between cluster nodes: an authenticated,
// optionally TLS-wrapped, zstd-compressed TCP stream of framed messages,
// with sequence numbers, cumulative acknowledgements, resend after
// reconnect, receiver-side de-duplication, and bounded sender memory.
//
// # Connection
//
// The dialing side (a Sender) and the accepting side (a Server) first run
// a handshake on the raw (or TLS) connection, under HandshakeTimeout:
//
//	client → hello   magic "XSNS", version, role, flags, epoch, nonce, name
//	server → status, hello (its own nonce), server proof
//	client → status, client proof
//	server → status
//
// A proof is HMAC-SHA256 over the cluster secret of a label and both
// hellos (so both nonces, names, roles and the epoch); the labels differ
// by direction so a proof cannot be reflected. Both proofs are compared
// in constant time. A side that cannot verify the other sends a refusal
// and closes, and both report ErrAuth ("peers do not share the cluster
// secret"). The server reads nothing after the client proof until the
// proof checks out, so nothing an unauthenticated peer sends is used.
// ServerOptions.Accept may then refuse a peer by name or role.
//
// After the handshake each direction is one zstd stream (window
// WindowBytes) carrying frames "type u8 | length u32 | payload" (see
// frame.go for every layout; payloads are bounded by MaxFrameBytes). The
// writer flushes a zstd block after each batch of frames it had queued,
// so latency stays at one write while consecutive batches still share
// the compression window.
//
// # Reliability
//
// Sequenced frames (log batches, notices, state ops, stats) get a
// sequence number from the Sender, unique within its epoch (a random
// 64-bit id announced in the hello; kept across restarts when a spool
// holds frames of that epoch, with sequence numbers reserved on disk ahead
// of use so none is ever reused). The Sender keeps every frame until the
// receiver's cumulative Ack covers it and, after reconnecting, resends
// from the first unacknowledged one. The receiver keeps, per sending node,
// its epoch and the highest sequence taken per stream (the log stream for
// batches; one stream each for notices, state and stats) and drops
// anything at or below it, so resends are never taken twice.
//
// # Durability: "kill -9 the logger and restart it"
//
// A receiver acknowledges only what is durable. With a Handler that
// implements Syncer, or a StateDir, acks are gated by a commit every
// CommitInterval, done under the same lock that serializes Handle calls:
//
//  1. Sync the handler: it writes and fsyncs everything taken so far and
//     returns a checkpoint (for a logger: the length of each log file);
//  2. write the de-duplication marks and that checkpoint together to
//     StateDir/wire.state (temporary file, fsync, rename, fsync dir);
//  3. only then send the acks.
//
// After a crash, NewServer reloads the marks and Checkpoint returns the
// checkpoint stored with them. The logger truncates each file to its
// checkpointed length before serving: bytes past it belong to batches
// that are not in the marks and were never acknowledged, so the senders
// resend them and they are written exactly once. Batches committed but
// not yet acknowledged are resent too and dropped as duplicates. Either
// way no record is lost or written twice. (Server.Close commits before
// returning; a crash between steps 1 and 2 costs only re-writing.)
//
// # Bounded memory
//
// A Sender holds at most BufferBytes of unacknowledged frames. When that
// is full and a spool is configured (SpoolDir, SpoolMaxBytes), further
// frames go to append-only segment files (length, CRC32C, frame per
// record); they are read back in order as acknowledgements free memory,
// and a segment is deleted once all of it is acknowledged. Close writes
// memory-only frames back to the spool so a restarted Sender resends
// them; a torn tail record (crash mid-append) is detected by its CRC and
// dropped at open. When both bounds are full, Send waits up to MaxBlock
// for room (backpressure), then drops the frame, counts it in
// SenderStats.Dropped and returns ErrDropped. The receiver side is
// bounded too: one frame buffer per connection (≤ MaxFrameBytes) and the
// zstd window.
//
// # Liveness
//
// Both sides send a Heartbeat when they have written nothing for half a
// HeartbeatInterval, and close a connection on which nothing at all
// arrived for HeartbeatTimeout. The Sender then reconnects with
// exponential backoff and jitter (BackoffMin…BackoffMax).
//
// # Concurrency
//
//   - Sender: Send, SendControl, Flush, Stats and Close are safe from any
//     goroutine. Each Sender runs one connection goroutine pair (a writer
//     and a reader); OnMessage is called from the reader.
//   - Server: all methods are safe concurrently. Each connection has a
//     reader and a writer goroutine; Handler.Handle and Syncer.Sync are
//     serialized across all connections, so a Handler needs no locking of
//     its own.
//   - Peer: Send is safe from any goroutine (including inside Handle).
//   - Message: a Message from a reader aliases its buffer and is valid
//     only during the Handle or OnMessage call.
//
// # Hazards
//
//   - An empty Secret makes the handshake prove nothing; config only
//     allows that when every node is on loopback.
//   - Send copies the message (one copy per batch, into a reused buffer);
//     batches, not records, are the unit: send thousands of records per
//     frame.
//   - Without a spool, frames unacknowledged at Close or at a crash of
//     the sender are lost; call Flush before Close.
//   - Spool appends are not fsynced one by one (a process crash loses
//     nothing; power loss may lose the unsynced tail, which the CRC
//     detects).
package wire
