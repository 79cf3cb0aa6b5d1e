package node

import (
	"strings"

	"xsensor/analyzer/conn"
	"xsensor/cluster/proxy"
)

// established reports whether r completed a TCP handshake, as Zeek's
// connection_established requires (both endpoints reached ESTABLISHED:
// the originator's SYN and the responder's SYN-ACK were seen, and the
// connection got past them).
func established(r *conn.Record) bool {
	if r.Proto != 6 {
		return false
	}
	switch r.ConnState {
	case "S1", "S2", "S3", "SF", "RSTO", "RSTR":
	default:
		return false
	}
	h := string(r.History)
	return strings.Contains(h, "S") && strings.Contains(h, "h")
}

// knownFrom returns the shared-set insertions a finished connection
// makes, as Zeek's known-hosts.zeek (both endpoints of an established
// connection) and known-services.zeek (the responder's address, port and
// protocol, with the services analysed) do. xsensor tracks all hosts
// (Zeek's default, LOCAL_HOSTS, needs Site::local_nets).
func knownFrom(r *conn.Record, origin string, dst []proxy.Entry) []proxy.Entry {
	if !established(r) {
		return dst
	}
	dst = append(dst,
		proxy.Entry{Set: proxy.SetKnownHosts, Key: r.OrigH.Unmap().String(), Origin: origin, TS: r.TS},
		proxy.Entry{Set: proxy.SetKnownHosts, Key: r.RespH.Unmap().String(), Origin: origin, TS: r.TS},
		proxy.Entry{Set: proxy.SetKnownServices, Key: proxy.ServiceKey(r.RespH.Unmap(), r.RespP, "tcp"), Origin: origin, TS: r.TS, Info: r.Service})
	return dst
}
