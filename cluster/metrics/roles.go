package metrics

import (
	"fmt"
	"net"
	"strconv"

	"xsensor/cluster/config"
	"xsensor/cluster/logger"
	"xsensor/cluster/manager"
	"xsensor/cluster/proxy"
	"xsensor/cluster/ship"
	"xsensor/cluster/wire"
)

// NodeAddr returns where node n of cluster c serves its metrics:
// n's host, port MetricsPort + the node's index in node.cfg (the same
// offset as its cluster port from BasePort), so that the nodes of one
// host never collide. It returns "" when MetricsPort is 0 (no metrics).
func NodeAddr(c *config.Cluster, n *config.Node) (string, error) {
	if c.Options.MetricsPort == 0 {
		return "", nil
	}
	idx := -1
	for i := range c.Nodes {
		if c.Nodes[i].Name == n.Name {
			idx = i
			break
		}
	}
	if idx < 0 {
		return "", fmt.Errorf("metrics: node %s is not in the cluster", n.Name)
	}
	port := c.Options.MetricsPort + idx
	if port > 65535 {
		return "", n.Errorf("", fmt.Sprintf("metrics port %d is out of range (MetricsPort %d + node index %d)", port, c.Options.MetricsPort, idx), nil)
	}
	return net.JoinHostPort(n.Host, strconv.Itoa(port)), nil
}

// AddShipper exports a log Shipper's counters: what it queued, what it
// dropped because its receivers were slow, and its backlog (bytes held
// in memory and spooled, frames sent but not yet acknowledged).
func (r *Registry) AddShipper(stats func() ship.Stats) error {
	type S = ship.Stats
	return AddStats(r, stats,
		Counter("xsensor_ship_batches_total", "Log chunks queued to a log receiver.", func(s *S) float64 { return f64(s.Batches) }),
		Counter("xsensor_ship_records_total", "Log records queued to a log receiver.", func(s *S) float64 { return f64(s.Records) }),
		Counter("xsensor_ship_dropped_batches_total", "Log chunks dropped: receiver slow and buffers full.", func(s *S) float64 { return f64(s.DroppedBatches) }),
		Counter("xsensor_ship_dropped_records_total", "Log records dropped: receiver slow and buffers full.", func(s *S) float64 { return f64(s.DroppedRecords) }),
		Gauge("xsensor_ship_backlog_bytes", "Unacknowledged log bytes held in memory.", func(s *S) float64 { return float64(s.Buffered) }),
		Gauge("xsensor_ship_spool_bytes", "Unacknowledged log bytes spilled to SpoolDir.", func(s *S) float64 { return float64(s.SpoolBytes) }),
		Gauge("xsensor_ship_backlog_frames", "Log frames sent and not yet acknowledged.", func(s *S) float64 {
			if s.WireSent < s.WireAcked {
				return 0
			}
			return f64(s.WireSent - s.WireAcked)
		}),
		Counter("xsensor_ship_frames_sent_total", "Sequenced log frames sent.", func(s *S) float64 { return f64(s.WireSent) }),
		Counter("xsensor_ship_frames_acked_total", "Sequenced log frames acknowledged.", func(s *S) float64 { return f64(s.WireAcked) }),
		Counter("xsensor_ship_frames_resent_total", "Log frames sent again after a reconnect.", func(s *S) float64 { return f64(s.WireResent) }),
	)
}

// AddLogWriter exports a log Writer's counters (a logger, or the
// manager without loggers): its write rate is
// rate(xsensor_log_records_written_total[1m]).
func (r *Registry) AddLogWriter(stats func() logger.Stats) error {
	type S = logger.Stats
	return AddStats(r, stats,
		Counter("xsensor_log_batches_written_total", "Log batches written.", func(s *S) float64 { return f64(s.Batches) }),
		Counter("xsensor_log_records_written_total", "Log records written.", func(s *S) float64 { return f64(s.Records) }),
		Counter("xsensor_log_bytes_written_total", "Log bytes written.", func(s *S) float64 { return f64(s.Bytes) }),
		Counter("xsensor_log_dropped_batches_total", "Log batches refused (bad path, partial record, format clash).", func(s *S) float64 { return f64(s.Dropped) }),
		Counter("xsensor_log_dropped_records_total", "Log records in refused batches.", func(s *S) float64 { return f64(s.DroppedRecords) }),
		Counter("xsensor_log_rotations_total", "Log files rotated.", func(s *S) float64 { return f64(s.Rotations) }),
		Counter("xsensor_log_archived_total", "Rotated log files compressed into archives.", func(s *S) float64 { return f64(s.Archived) }),
		Counter("xsensor_log_archive_errors_total", "Archives that failed.", func(s *S) float64 { return f64(s.ArchiveErrors) }),
		Gauge("xsensor_log_files_open", "Log files being written.", func(s *S) float64 { return float64(s.Files) }),
		Gauge("xsensor_log_archives_pending", "Rotated files waiting for their archive.", func(s *S) float64 { return float64(s.Pending) }),
	)
}

// AddWireServer exports a listening role's wire counters: handshakes,
// frames taken (and duplicates dropped), and connected peers.
func (r *Registry) AddWireServer(ws *wire.Server) error {
	type S struct {
		wire.ServerStats
		peers int
	}
	read := func() S { return S{ws.Stats(), len(ws.Peers())} }
	return AddStats(r, read,
		Counter("xsensor_wire_accepted_total", "Peers that completed the handshake.", func(s *S) float64 { return f64(s.Accepted) }),
		Counter("xsensor_wire_refused_total", "Peers refused at the handshake (wrong secret, unknown node).", func(s *S) float64 { return f64(s.Refused) }),
		Counter("xsensor_wire_frames_total", "Sequenced frames received.", func(s *S) float64 { return f64(s.Frames) }),
		Counter("xsensor_wire_duplicates_total", "Received frames dropped as already taken.", func(s *S) float64 { return f64(s.Duplicates) }),
		Counter("xsensor_wire_commits_total", "Commits of what was taken.", func(s *S) float64 { return f64(s.Commits) }),
		Gauge("xsensor_wire_peers", "Connected peers (control tool included).", func(s *S) float64 { return float64(s.peers) }),
	)
}

// AddManager exports the manager's counters.
func (r *Registry) AddManager(stats func() manager.Stats) error {
	type S = manager.Stats
	return AddStats(r, stats,
		Counter("xsensor_manager_notices_total", "Notices logged.", func(s *S) float64 { return f64(s.Notices) }),
		Counter("xsensor_manager_notices_suppressed_total", "Notices dropped as duplicates within their suppression interval.", func(s *S) float64 { return f64(s.Suppressed) }),
		Counter("xsensor_manager_stats_records_total", "stats.log and capture_loss.log records written.", func(s *S) float64 { return f64(s.StatsRecords) }),
		Counter("xsensor_manager_bad_stats_total", "Stats bodies that did not parse.", func(s *S) float64 { return f64(s.BadStats) }),
		Counter("xsensor_manager_misrouted_total", "Log batches received while not writing logs.", func(s *S) float64 { return f64(s.Misrouted) }),
	)
}

// AddProxy exports a proxy's shared-state counters.
func (r *Registry) AddProxy(stats func() proxy.Stats) error {
	type S = proxy.Stats
	return AddStats(r, stats,
		Gauge("xsensor_proxy_members", "Distinct shared-set members held.", func(s *S) float64 { return float64(s.Members) }),
		Gauge("xsensor_proxy_log_entries", "Entries in the proxy's state log.", func(s *S) float64 { return float64(s.LogLen) }),
		Counter("xsensor_proxy_inserts_total", "State insertions received.", func(s *S) float64 { return f64(s.Inserts) }),
		Counter("xsensor_proxy_new_total", "State insertions new to this proxy.", func(s *S) float64 { return f64(s.New) }),
		Counter("xsensor_proxy_decided_total", "Members this proxy owned and logged.", func(s *S) float64 { return f64(s.Decided) }),
		Counter("xsensor_proxy_full_pushes_total", "Whole-store pushes to the ring successor.", func(s *S) float64 { return f64(s.FullPushes) }),
		Counter("xsensor_proxy_sync_served_total", "Sync requests answered.", func(s *S) float64 { return f64(s.SyncServed) }),
		Gauge("xsensor_proxy_workers", "Connected worker nodes.", func(s *S) float64 { return float64(s.Workers) }),
		Gauge("xsensor_proxy_proxies", "Connected proxies.", func(s *S) float64 { return float64(s.Proxies) }),
	)
}
