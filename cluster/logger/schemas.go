package logger

import (
	"xsensor/analyzer/dns"
	"xsensor/analyzer/http"
	"xsensor/analyzer/ssl"
	"xsensor/analyzer/weird"
	"xsensor/analyzer/zeeklog"
)

// KnownHostsSchema is Zeek's known_hosts.log (Known::HostsInfo), which
// the cluster's proxies write (proxy.KnownHostsSchema points here).
var KnownHostsSchema = zeeklog.Schema{
	Path: "known_hosts",
	Fields: []zeeklog.Field{
		{Name: "ts", Type: zeeklog.Time},
		{Name: "host", Type: zeeklog.Addr},
	},
}

// KnownServicesSchema is Zeek's known_services.log (Known::ServicesInfo).
var KnownServicesSchema = zeeklog.Schema{
	Path: "known_services",
	Fields: []zeeklog.Field{
		{Name: "ts", Type: zeeklog.Time},
		{Name: "host", Type: zeeklog.Addr},
		{Name: "port_num", Type: zeeklog.Port},
		{Name: "port_proto", Type: zeeklog.Enum},
		{Name: "service", Type: zeeklog.SetString},
	},
}

func defaultSchemas() []*zeeklog.Schema {
	return []*zeeklog.Schema{&zeeklog.Conn, &dns.Schema, &http.Schema, &ssl.Schema, &weird.Schema,
		&KnownHostsSchema, &KnownServicesSchema}
}
