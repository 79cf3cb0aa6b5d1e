// Package conn tracks connections exactly as Zeek does and produces the
// records of its conn.log.
//
// # Model
//
// A Table holds one worker's connections. The worker hands it every IP
// level of every packet (decode.Level, outermost first) with Packet; the
// table finds or creates the connection and runs Zeek's per-protocol
// logic on it:
//
//   - TCP: Zeek's TCPSessionAdapter state machine (endpoint states
//     INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED,
//     RESET), byte counts from sequence numbers (TCP_Endpoint::Size, with
//     wraparound), history letters (once-only, sequence-dependent and
//     logarithmic ones), and content gaps from a payload-less model of
//     TCP_Reassembler (missed_bytes only while both sides are established
//     or cleanly closing, as Zeek reports them).
//   - UDP: request/reply lengths and 'D'/'d', bad checksums as 'C'/'c'.
//   - ICMP: type as id.orig_p, counterpart type (request/reply pairs) or
//     code as id.resp_p; one-way messages keep a directional key.
//   - Other IP protocols: unknown_transport connections (Record.Proto 0)
//     with packet counts only. IP-in-IP, IPv6-in-IP and GRE levels are
//     tunnels, not connections: Packet returns nil for them.
//
// The originator is the sender of the first packet, flipped (with '^' in
// the history) when that packet is a SYN-ACK, when a mid-stream TCP or a
// UDP packet comes from a likely server port (Zeek's likely_server_ports
// as the default scripts fill it), and on a SYN after a SYN-ACK. A SYN
// for a closed connection, or with a new initial sequence number, starts
// a new connection (Zeek's IsReuse); the old one is logged first.
//
// Removal follows Zeek's timers: inactivity (re-armed lazily, as Zeek's
// InactivityTimer does), the TCP expire timer, tcp_attempt_delay,
// tcp_close_delay and tcp_reset_delay. They live on a hashed timing wheel
// (timer.go) with one embedded node per timer kind and connection. Flush
// logs what is left at the end of input, state as is, as Zeek does at
// termination. A full table evicts its least recently active connection.
//
// # Memory
//
// Conn structs come from a pool grown in chunks of 1024 up to MaxConns
// and recycled through a free list; the hash is a bucket array sized once
// in New. History, services and tunnel parents are fixed arrays in the
// Conn. Nothing is allocated per packet once the pool has grown
// (TestNoAllocs), except a joined service string at removal when a
// connection has more than one service.
//
// # Hazards
//
//   - A *Conn returned by Packet is valid only until the next call into
//     the Table: any call may remove and recycle it.
//   - The Record passed to emit, and its History, alias table storage and
//     are valid only during the callback.
//   - Call Advance(ts) before Packet(ts, …): Zeek fires due timers before
//     it processes a packet, and a connection that timed out must not see
//     the packet.
//   - Zeek's likely_server_ports depends on the scripts loaded; we use the
//     default set, so traces Zeek read with -b and few scripts may differ
//     in originator choice.
//   - Deviations: history is capped at 40 letters; at most 8 out-of-order
//     ranges are kept per TCP endpoint (closest ones merge); Zeek's
//     partial-close timer is not armed (the default scripts do not handle
//     connection_partial_close); Zeek may run several expire-timer chains
//     per connection, we run at most two.
//
// A Table is not safe for concurrent use: each worker owns one.
package conn
