// Package node is a cluster worker node: the worker goroutines of
// analyzer/worker on the node's interface (capture/live) or pcap file
// (capture/replay), shipping what they produce to the rest of the
// cluster.
//
// # Model
//
//   - Logs: the workers' Sink is a ship.Shipper; each chunk of records is
//     a LogBatch to the logger that owns the stream (or the manager when
//     node.cfg has no logger).
//   - Notices: scan detection (scan.zeek's Address_Scan and Port_Scan) on
//     every finished connection; each notice goes to the manager as a
//     wire notice frame (note, identifier = the scanner's address,
//     NoticeSuppressionInterval) whose body is the notice.log record
//     (manager.NoticeSchema), so the manager suppresses a scan that
//     several nodes see and logs the record as it came.
//   - Shared state: every established TCP connection inserts both hosts
//     into known_hosts and the responder's service into known_services.
//     An insertion the cluster-wide view (synced from the proxy) lacks is
//     sent to this node's proxy (proxy.Candidates: dealt round-robin, with
//     fail-over). The proxy that owns the key decides and logs it, so each
//     host or service is logged once for the whole cluster.
//   - Stats: every StatsInterval the node sends the manager a
//     manager.NodeStats on path "stats" (one stats.log record: packets,
//     bytes and finished connections by protocol in the interval,
//     drops, connections in the table, memory) and rewrites
//     SpoolDir/<node>/stats.json with its cumulative Stats. The packet
//     counters come from the capture path: capture/replay's Counters for
//     a pcap file (no drops, no link count), capture/live's Stats on an
//     interface (pkts_proc and bytes_recv what the workers processed,
//     pkts_dropped what was lost between the link and them — XDP
//     redirect failures, AF_XDP ring drops, AF_PACKET kernel drops —
//     and pkts_link what the first stage saw: the XDP program's packets,
//     or processed plus dropped for AF_PACKET). Stats.Capture details
//     them per stage, drop reason and worker, with the names of the
//     Prometheus series.
//   - Metrics: with Options.Metrics the node registers its capture path
//     (metrics.ReplaySource or LiveSource), its shipper and its own
//     counters (metrics.go); the xsensor worker command serves them on
//     metrics.NodeAddr. A "node"
//     message (pid, start time, connected peers) goes at start and after
//     every reconnect to the manager, for status. No capture_loss.log
//     records: the workers do not publish Zeek's gap/ack counts.
//
// A "pcap::FILE" interface is replayed once at full speed through
// capture/replay, which flushes the connections at the trace's last
// timestamp as Zeek does at the end of a trace; the node then keeps
// running (stats, state sync) until it is stopped. (DESIGN.md asks for
// the flush at stop time; capture/replay has no way to hold its last,
// partial batches, so the flush happens at the end of the file. The
// records are the same.)
//
// The kernel's counters of a live capture (XDP program, AF_XDP sockets)
// cannot be read once it is torn down: the final report keeps the last
// ones read while it ran, with the workers' final counts.
//
// Files in SpoolDir/<node>/: ReadyFile while running (for ctl), StateFile
// (the shared sets as this node knows them, rewritten when they change),
// stats.json, and the wire spools.
//
// # Hazards
//
//   - OnConn runs on worker goroutines, once per connection (never per
//     packet); the scan detector and the state client take a mutex there.
//   - Memory is bounded: log Senders by SendBufferBytes (+ SpoolMaxBytes
//     on disk), then chunks are dropped and counted; the scan detector by
//     ScanOptions.MaxKeys; the state view grows with the cluster's known
//     hosts and services (no expiry yet, unlike Zeek's 1-day create
//     expiry).
//   - Scan thresholds count this node's connections only (Zeek sums them
//     on the manager through SumStats).
package node
