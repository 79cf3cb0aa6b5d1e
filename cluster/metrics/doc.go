// Package metrics exposes a node's counters to Prometheus.
//
// Model. Each process has one Registry. The packet path keeps its own
// counters (atomics that workers and readers update once per batch, as
// capture/live and capture/replay do); this package adds nothing to that
// path. At scrape time a collector calls a Source, which reads those
// atomics into a Snapshot, and turns the snapshot into constant metrics:
//
//	xsensor_worker_packets_total{worker}      frames a worker processed
//	xsensor_worker_bytes_total{worker}        their wire bytes
//	xsensor_worker_batches_total{worker}
//	xsensor_flows_active{worker}              connection table size
//	xsensor_flows_created_total{worker}
//	xsensor_flows_evicted_total{worker}       removed to make room
//	xsensor_stage_packets_total{stage,worker} packets seen by a stage
//	xsensor_stage_bytes_total{stage,worker}   (reader, xdp, afpacket …)
//	xsensor_drops_total{stage,reason,worker}  packets lost at a stage
//	xsensor_ring_used{ring,worker}            entries waiting in a ring
//	xsensor_ring_size{ring,worker}            its capacity
//	xsensor_info{node,role,version}           always 1
//
// worker="all" marks a counter of the whole node (the XDP program's
// per-CPU counters, the replay reader). Go runtime and process metrics
// (go_*, process_*) are registered too.
//
// Cluster roles. Every node of a cluster serves its registry when
// xsensor.cfg sets MetricsPort, at NodeAddr: the node's host, port
// MetricsPort + the node's index in node.cfg (the offset its cluster
// port has from BasePort), so the nodes of one host never collide
// (MetricsPort = 9100: the first node of node.cfg on 9100, the second on
// 9101 …). Besides the capture series of a worker node, roles add
// collectors read once per scrape from their Stats (AddStats and the
// Add* helpers in roles.go):
//
//	xsensor_ship_*        a worker's or proxy's log shipper: records and
//	                      batches queued, dropped_*, backlog_bytes,
//	                      spool_bytes, backlog_frames (sent, unacked)
//	xsensor_log_*         a log Writer (logger; manager without loggers):
//	                      records/bytes/batches_written_total (the write
//	                      rate is their rate()), rotations, archives
//	xsensor_wire_*        a listening role's handshakes, frames, peers
//	xsensor_manager_*     notices logged and suppressed, stats records
//	xsensor_proxy_*       shared-state members, inserts, connected peers
//	xsensor_state_*, xsensor_notices_total, xsensor_conns_finished_total
//	                      a worker node's shared state and notices
//
// Hazards. A snapshot is not atomic across counters: each value is read
// on its own, so sums over workers may trail a stage's counter by a batch
// while packets are in flight. Counters are monotonic except the gauges
// (flows_active, ring_*). A Source error is counted in
// xsensor_source_errors_total and the scrape still returns what was read.
package metrics
