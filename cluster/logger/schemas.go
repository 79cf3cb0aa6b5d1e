package logger

import (
	"xsensor/analyzer/dns"
	"xsensor/analyzer/http"
	"xsensor/analyzer/ssl"
	"xsensor/analyzer/weird"
	"xsensor/analyzer/zeeklog"
)

func defaultSchemas() []*zeeklog.Schema {
	return []*zeeklog.Schema{&zeeklog.Conn, &dns.Schema, &http.Schema, &ssl.Schema, &weird.Schema}
}
