package zeeklog

import (
	"xsensor/analyzer/conn"
)

// Conn is Zeek's conn.log (scripts/base/protocols/conn/main.zeek) with the
// community_id field of policy/protocols/conn/community-id-logging last.
var Conn = Schema{
	Path: "conn",
	Fields: []Field{
		{"ts", Time},
		{"uid", String},
		{"id.orig_h", Addr},
		{"id.orig_p", Port},
		{"id.resp_h", Addr},
		{"id.resp_p", Port},
		{"proto", Enum},
		{"service", String},
		{"duration", Interval},
		{"orig_bytes", Count},
		{"resp_bytes", Count},
		{"conn_state", String},
		{"local_orig", Bool},
		{"local_resp", Bool},
		{"missed_bytes", Count},
		{"history", String},
		{"orig_pkts", Count},
		{"orig_ip_bytes", Count},
		{"resp_pkts", Count},
		{"resp_ip_bytes", Count},
		{"tunnel_parents", SetString},
		{"ip_proto", Count},
		{"community_id", String},
	},
}

// TransportName returns Zeek's transport_proto enum name for an IP
// protocol number: tcp, udp, icmp (ICMP and ICMPv6) or unknown_transport.
func TransportName(proto uint8) string {
	switch proto {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 1, 58:
		return "icmp"
	}
	return "unknown_transport"
}

var defaultSite = DefaultSite()

// AppendConn appends r as one conn.log record (schema Conn) with Zeek's
// default local networks (DefaultSite). communityID is the value of the
// community_id field, unset when empty.
func AppendConn(e *Encoder, buf []byte, r *conn.Record, communityID []byte) []byte {
	return AppendConnSite(e, buf, r, communityID, defaultSite)
}

// AppendConnSite is AppendConn with the given local networks; a nil or
// empty site leaves local_orig and local_resp unset.
func AppendConnSite(e *Encoder, buf []byte, r *conn.Record, communityID []byte, site *Site) []byte {
	buf = e.Begin(buf)
	buf = e.Time(buf, r.TS)
	buf = e.UID(buf, r.UID, 'C')
	buf = e.Addr(buf, r.OrigH)
	buf = e.Port(buf, r.OrigP)
	buf = e.Addr(buf, r.RespH)
	buf = e.Port(buf, r.RespP)
	buf = e.Enum(buf, TransportName(r.Proto))
	if r.Service == "" {
		buf = e.Unset(buf)
	} else {
		buf = e.String(buf, r.Service)
	}
	if r.Duration < 0 {
		buf = e.Unset(buf)
	} else {
		buf = e.IntervalBetween(buf, r.TS, r.TS+r.Duration)
	}
	if r.HasBytes {
		buf = e.Count(buf, r.OrigBytes)
		buf = e.Count(buf, r.RespBytes)
	} else {
		buf = e.Unset(buf)
		buf = e.Unset(buf)
	}
	if r.ConnState == "" {
		buf = e.Unset(buf)
	} else {
		buf = e.String(buf, r.ConnState)
	}
	if site.Known() {
		buf = e.Bool(buf, site.IsLocal(r.OrigH))
		buf = e.Bool(buf, site.IsLocal(r.RespH))
	} else {
		buf = e.Unset(buf)
		buf = e.Unset(buf)
	}
	buf = e.Count(buf, r.MissedBytes)
	if len(r.History) == 0 {
		buf = e.Unset(buf)
	} else {
		buf = e.StringBytes(buf, r.History)
	}
	buf = e.Count(buf, r.OrigPkts)
	buf = e.Count(buf, r.OrigIPBytes)
	buf = e.Count(buf, r.RespPkts)
	buf = e.Count(buf, r.RespIPBytes)
	n := r.NTunnelParents
	if n > len(r.TunnelParents) {
		n = len(r.TunnelParents)
	}
	if n <= 0 {
		buf = e.Unset(buf)
	} else {
		buf = e.SetUIDs(buf, r.TunnelParents[:n], 'C')
	}
	buf = e.Count(buf, uint64(r.IPProto))
	if len(communityID) == 0 {
		buf = e.Unset(buf)
	} else {
		buf = e.StringBytes(buf, communityID)
	}
	return e.End(buf)
}
