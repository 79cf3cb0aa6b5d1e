package zeekdiff

// tuple is the connection 4-tuple every log is keyed by.
var tuple = []string{"id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"}

func keys(extra ...string) []string {
	return append(append([]string{}, tuple...), extra...)
}

// logSpec says how one log is matched and compared.
type logSpec struct {
	name    string
	key     []string // fields pairing expected with actual records
	compare []string // fields compared once paired
}

// specs mirrors zeekdiff.py's SPEC, in its order.
var specs = []logSpec{
	{"conn.log", keys("proto"), []string{"proto", "service", "duration", "orig_bytes", "resp_bytes", "conn_state",
		"missed_bytes", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes"}},
	{"dns.log", keys("proto", "trans_id", "query"), []string{"qclass", "qtype", "qtype_name", "rcode", "rcode_name",
		"AA", "TC", "RD", "RA", "Z", "answers", "TTLs", "rejected"}},
	{"http.log", keys("trans_depth"), []string{"method", "host", "uri", "version", "user_agent", "request_body_len",
		"response_body_len", "status_code", "status_msg"}},
	{"ssl.log", tuple, []string{"version", "cipher", "curve", "server_name", "resumed", "next_protocol", "established"}},
}

// optionalWhenUnset fields are compared only where the expected log sets them.
var optionalWhenUnset = map[string]bool{"service": true}

// numeric fields compare as comma-separated floats with a tolerance.
var numeric = map[string]bool{"duration": true, "TTLs": true}
