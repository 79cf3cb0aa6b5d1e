package manager

import (
	"encoding/json"
	"fmt"

	"xsensor/analyzer/zeeklog"
)

// Paths of the wire stats frames a node sends to the manager (the
// frame's Path); the body is JSON of NodeStats or CaptureLoss.
const (
	PathStats       = "stats"        // NodeStats → a stats.log record (and status)
	PathCaptureLoss = "capture_loss" // CaptureLoss → a capture_loss.log record
	PathNode        = "node"         // NodeStats → status only, no log record (sent on connect)
)

// StatsSchema is Zeek's stats.log (policy/misc/stats.zeek, Stats::Info).
var StatsSchema = zeeklog.Schema{Path: "stats", Fields: []zeeklog.Field{
	{Name: "ts", Type: zeeklog.Time},
	{Name: "peer", Type: zeeklog.String},
	{Name: "mem", Type: zeeklog.Count},
	{Name: "pkts_proc", Type: zeeklog.Count},
	{Name: "bytes_recv", Type: zeeklog.Count},
	{Name: "pkts_dropped", Type: zeeklog.Count},
	{Name: "pkts_link", Type: zeeklog.Count},
	{Name: "pkt_lag", Type: zeeklog.Interval},
	{Name: "pkts_filtered", Type: zeeklog.Count},
	{Name: "events_proc", Type: zeeklog.Count},
	{Name: "events_queued", Type: zeeklog.Count},
	{Name: "active_tcp_conns", Type: zeeklog.Count},
	{Name: "active_udp_conns", Type: zeeklog.Count},
	{Name: "active_icmp_conns", Type: zeeklog.Count},
	{Name: "tcp_conns", Type: zeeklog.Count},
	{Name: "udp_conns", Type: zeeklog.Count},
	{Name: "icmp_conns", Type: zeeklog.Count},
	{Name: "timers", Type: zeeklog.Count},
	{Name: "active_timers", Type: zeeklog.Count},
	{Name: "files", Type: zeeklog.Count},
	{Name: "active_files", Type: zeeklog.Count},
	{Name: "dns_requests", Type: zeeklog.Count},
	{Name: "active_dns_requests", Type: zeeklog.Count},
	{Name: "reassem_tcp_size", Type: zeeklog.Count},
	{Name: "reassem_file_size", Type: zeeklog.Count},
	{Name: "reassem_frag_size", Type: zeeklog.Count},
	{Name: "reassem_unknown_size", Type: zeeklog.Count},
}}

// CaptureLossSchema is Zeek's capture_loss.log (policy/misc/capture-loss.zeek).
var CaptureLossSchema = zeeklog.Schema{Path: "capture_loss", Fields: []zeeklog.Field{
	{Name: "ts", Type: zeeklog.Time},
	{Name: "ts_delta", Type: zeeklog.Interval},
	{Name: "peer", Type: zeeklog.String},
	{Name: "gaps", Type: zeeklog.Count},
	{Name: "acks", Type: zeeklog.Count},
	{Name: "percent_lost", Type: zeeklog.Double},
}}

// NodeStats is the body (JSON) of a stats frame with Path PathStats or
// PathNode. Counters are per reporting interval as in Zeek's stats.log
// (pkts_proc, bytes_recv, pkts_dropped, … since the last report;
// active_* and mem are gauges). A nil field is written unset ("-"):
// fill what the node knows. The frame's TS is the record's ts. This
// layout is a wire contract: add fields, never rename or retype them.
type NodeStats struct {
	Peer    string   `json:"peer,omitempty"`    // stats.log peer; default: the sending node's name
	PID     int      `json:"pid,omitempty"`     // status only
	Started int64    `json:"started,omitempty"` // status only: process start, Unix ns
	Peers   []string `json:"peers,omitempty"`   // status only: nodes this node is connected to

	Mem          *uint64 `json:"mem,omitempty"` // MB, as Zeek
	PktsProc     *uint64 `json:"pkts_proc,omitempty"`
	BytesRecv    *uint64 `json:"bytes_recv,omitempty"`
	PktsDropped  *uint64 `json:"pkts_dropped,omitempty"`
	PktsLink     *uint64 `json:"pkts_link,omitempty"`
	PktLag       *int64  `json:"pkt_lag,omitempty"` // ns
	PktsFiltered *uint64 `json:"pkts_filtered,omitempty"`
	EventsProc   *uint64 `json:"events_proc,omitempty"`
	EventsQueued *uint64 `json:"events_queued,omitempty"`

	ActiveTCPConns  *uint64 `json:"active_tcp_conns,omitempty"`
	ActiveUDPConns  *uint64 `json:"active_udp_conns,omitempty"`
	ActiveICMPConns *uint64 `json:"active_icmp_conns,omitempty"`
	TCPConns        *uint64 `json:"tcp_conns,omitempty"`
	UDPConns        *uint64 `json:"udp_conns,omitempty"`
	ICMPConns       *uint64 `json:"icmp_conns,omitempty"`

	Timers            *uint64 `json:"timers,omitempty"`
	ActiveTimers      *uint64 `json:"active_timers,omitempty"`
	Files             *uint64 `json:"files,omitempty"`
	ActiveFiles       *uint64 `json:"active_files,omitempty"`
	DNSRequests       *uint64 `json:"dns_requests,omitempty"`
	ActiveDNSRequests *uint64 `json:"active_dns_requests,omitempty"`

	ReassemTCPSize     *uint64 `json:"reassem_tcp_size,omitempty"`
	ReassemFileSize    *uint64 `json:"reassem_file_size,omitempty"`
	ReassemFragSize    *uint64 `json:"reassem_frag_size,omitempty"`
	ReassemUnknownSize *uint64 `json:"reassem_unknown_size,omitempty"`
}

// CaptureLoss is the body (JSON) of a stats frame with Path
// PathCaptureLoss: one capture_loss.log record. The frame's TS is ts.
type CaptureLoss struct {
	Peer        string  `json:"peer,omitempty"` // default: the sending node's name
	TSDelta     int64   `json:"ts_delta"`       // ns since the previous measurement
	Gaps        uint64  `json:"gaps"`
	Acks        uint64  `json:"acks"`
	PercentLost float64 `json:"percent_lost"`
}

// U returns a pointer to v, for filling NodeStats.
func U(v uint64) *uint64 { return &v }

// Marshal encodes s as a stats frame body.
func (s *NodeStats) Marshal() []byte { b, _ := json.Marshal(s); return b }

// Marshal encodes c as a stats frame body.
func (c *CaptureLoss) Marshal() []byte { b, _ := json.Marshal(c); return b }

// maxStatsBody bounds a stats body.
const maxStatsBody = 64 << 10

// ParseNodeStats decodes a NodeStats body. Unknown keys are ignored
// (newer senders). It never panics.
func ParseNodeStats(b []byte) (*NodeStats, error) {
	if len(b) > maxStatsBody {
		return nil, fmt.Errorf("stats body of %d bytes exceeds %d", len(b), maxStatsBody)
	}
	var s NodeStats
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("stats body: %w", err)
	}
	if len(s.Peers) > 4096 {
		return nil, fmt.Errorf("stats body: %d peers", len(s.Peers))
	}
	return &s, nil
}

// ParseCaptureLoss decodes a CaptureLoss body.
func ParseCaptureLoss(b []byte) (*CaptureLoss, error) {
	if len(b) > maxStatsBody {
		return nil, fmt.Errorf("capture loss body of %d bytes exceeds %d", len(b), maxStatsBody)
	}
	var c CaptureLoss
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("capture loss body: %w", err)
	}
	return &c, nil
}

func optCount(e *zeeklog.Encoder, buf []byte, v *uint64) []byte {
	if v == nil {
		return e.Unset(buf)
	}
	return e.Count(buf, *v)
}

// AppendStats encodes a stats.log record; e must be an Encoder of
// StatsSchema.
func AppendStats(e *zeeklog.Encoder, buf []byte, ts int64, peer string, s *NodeStats) []byte {
	buf = e.Begin(buf)
	buf = e.Time(buf, ts)
	buf = optString(e, buf, peer)
	for _, v := range []*uint64{s.Mem, s.PktsProc, s.BytesRecv, s.PktsDropped, s.PktsLink} {
		buf = optCount(e, buf, v)
	}
	if s.PktLag == nil {
		buf = e.Unset(buf)
	} else {
		buf = e.Interval(buf, *s.PktLag)
	}
	for _, v := range []*uint64{s.PktsFiltered, s.EventsProc, s.EventsQueued,
		s.ActiveTCPConns, s.ActiveUDPConns, s.ActiveICMPConns, s.TCPConns, s.UDPConns, s.ICMPConns,
		s.Timers, s.ActiveTimers, s.Files, s.ActiveFiles, s.DNSRequests, s.ActiveDNSRequests,
		s.ReassemTCPSize, s.ReassemFileSize, s.ReassemFragSize, s.ReassemUnknownSize} {
		buf = optCount(e, buf, v)
	}
	return e.End(buf)
}

// AppendCaptureLoss encodes a capture_loss.log record; e must be an
// Encoder of CaptureLossSchema.
func AppendCaptureLoss(e *zeeklog.Encoder, buf []byte, ts int64, peer string, c *CaptureLoss) []byte {
	buf = e.Begin(buf)
	buf = e.Time(buf, ts)
	buf = e.Interval(buf, c.TSDelta)
	buf = optString(e, buf, peer)
	buf = e.Count(buf, c.Gaps)
	buf = e.Count(buf, c.Acks)
	buf = e.Double(buf, c.PercentLost)
	return e.End(buf)
}
