package proxy

import (
	"net/netip"
	"strconv"
	"strings"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/logger"
)

// The shared sets' logs, Zeek's known_hosts.log and known_services.log.
// Their schemas live in the logger package (which cannot import this
// one) so that the logger writes their full TSV headers.
var (
	KnownHostsSchema    = &logger.KnownHostsSchema
	KnownServicesSchema = &logger.KnownServicesSchema
)

// ServiceKey is the key of a known service: "host/port/proto".
func ServiceKey(host netip.Addr, port uint16, proto string) string {
	return host.String() + "/" + strconv.Itoa(int(port)) + "/" + proto
}

// ParseServiceKey splits a ServiceKey.
func ParseServiceKey(k string) (host netip.Addr, port uint16, proto string, ok bool) {
	h, rest, ok1 := strings.Cut(k, "/")
	p, proto, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 {
		return host, 0, "", false
	}
	a, err := netip.ParseAddr(h)
	if err != nil {
		return host, 0, "", false
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return host, 0, "", false
	}
	return a, uint16(n), proto, true
}

// appendKnown encodes e as a record of its set's log; ok is false for a
// set that has no log or a key that does not parse.
func appendKnown(enc *zeeklog.Encoder, buf []byte, e *Entry) ([]byte, bool) {
	switch e.Set {
	case SetKnownHosts:
		a, err := netip.ParseAddr(e.Key)
		if err != nil {
			return buf, false
		}
		buf = enc.Begin(buf)
		buf = enc.Time(buf, e.TS)
		buf = enc.Addr(buf, a)
		return enc.End(buf), true
	case SetKnownServices:
		a, port, proto, ok := ParseServiceKey(e.Key)
		if !ok {
			return buf, false
		}
		buf = enc.Begin(buf)
		buf = enc.Time(buf, e.TS)
		buf = enc.Addr(buf, a)
		buf = enc.Port(buf, port)
		buf = enc.Enum(buf, proto)
		var svcs []string
		if e.Info != "" {
			svcs = strings.Split(strings.ToUpper(e.Info), ",")
		}
		buf = enc.SetStrings(buf, svcs)
		return enc.End(buf), true
	}
	return buf, false
}
