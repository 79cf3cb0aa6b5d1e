package http

import (
	"xsensor/analyzer/conn"
	"xsensor/analyzer/zeeklog"
)

// Schema is Zeek's http.log with its default fields
// (scripts/base/protocols/http/main.zeek plus the file-analysis columns
// of base/protocols/http/entities.zeek).
var Schema = zeeklog.Schema{
	Path: "http",
	Fields: []zeeklog.Field{
		{Name: "ts", Type: zeeklog.Time},
		{Name: "uid", Type: zeeklog.String},
		{Name: "id.orig_h", Type: zeeklog.Addr},
		{Name: "id.orig_p", Type: zeeklog.Port},
		{Name: "id.resp_h", Type: zeeklog.Addr},
		{Name: "id.resp_p", Type: zeeklog.Port},
		{Name: "trans_depth", Type: zeeklog.Count},
		{Name: "method", Type: zeeklog.String},
		{Name: "host", Type: zeeklog.String},
		{Name: "uri", Type: zeeklog.String},
		{Name: "referrer", Type: zeeklog.String},
		{Name: "version", Type: zeeklog.String},
		{Name: "user_agent", Type: zeeklog.String},
		{Name: "origin", Type: zeeklog.String},
		{Name: "request_body_len", Type: zeeklog.Count},
		{Name: "response_body_len", Type: zeeklog.Count},
		{Name: "status_code", Type: zeeklog.Count},
		{Name: "status_msg", Type: zeeklog.String},
		{Name: "info_code", Type: zeeklog.Count},
		{Name: "info_msg", Type: zeeklog.String},
		{Name: "tags", Type: zeeklog.SetEnum},
		{Name: "username", Type: zeeklog.String},
		{Name: "password", Type: zeeklog.String},
		{Name: "proxied", Type: zeeklog.SetString},
		{Name: "orig_fuids", Type: zeeklog.VectorString},
		{Name: "orig_filenames", Type: zeeklog.VectorString},
		{Name: "orig_mime_types", Type: zeeklog.VectorString},
		{Name: "resp_fuids", Type: zeeklog.VectorString},
		{Name: "resp_filenames", Type: zeeklog.VectorString},
		{Name: "resp_mime_types", Type: zeeklog.VectorString},
	},
}

// Record is one http.log line. A nil byte slice is an unset field; a
// non-nil empty one is Zeek's "(empty)". All slices point into buffers
// owned by the Session that emitted the record: valid during the emit
// callback only.
type Record struct {
	TS         int64 // nanoseconds since the epoch
	ID         conn.ID
	TransDepth uint64

	Method, Host, URI, Referrer []byte
	Version, UserAgent, Origin  []byte

	RequestBodyLen, ResponseBodyLen uint64

	StatusCode    uint64
	HasStatusCode bool
	StatusMsg     []byte
	InfoCode      uint64
	HasInfoCode   bool
	InfoMsg       []byte

	Username, Password []byte
	Proxied            [][]byte // nil: unset
}

func optString(e *zeeklog.Encoder, buf, v []byte) []byte {
	if v == nil {
		return e.Unset(buf)
	}
	return e.StringBytes(buf, v)
}

// AppendRecord appends r as one http.log line (schema Schema).
func AppendRecord(e *zeeklog.Encoder, buf []byte, r *Record) []byte {
	buf = e.Begin(buf)
	buf = e.Time(buf, r.TS)
	buf = e.UID(buf, r.ID.UID, 'C')
	buf = e.Addr(buf, r.ID.OrigH)
	buf = e.Port(buf, r.ID.OrigP)
	buf = e.Addr(buf, r.ID.RespH)
	buf = e.Port(buf, r.ID.RespP)
	buf = e.Count(buf, r.TransDepth)
	buf = optString(e, buf, r.Method)
	buf = optString(e, buf, r.Host)
	buf = optString(e, buf, r.URI)
	buf = optString(e, buf, r.Referrer)
	buf = optString(e, buf, r.Version)
	buf = optString(e, buf, r.UserAgent)
	buf = optString(e, buf, r.Origin)
	buf = e.Count(buf, r.RequestBodyLen)
	buf = e.Count(buf, r.ResponseBodyLen)
	if r.HasStatusCode {
		buf = e.Count(buf, r.StatusCode)
	} else {
		buf = e.Unset(buf)
	}
	buf = optString(e, buf, r.StatusMsg)
	if r.HasInfoCode {
		buf = e.Count(buf, r.InfoCode)
	} else {
		buf = e.Unset(buf)
	}
	buf = optString(e, buf, r.InfoMsg)
	buf = e.SetBegin(buf) // tags: always the empty set
	buf = e.SetEnd(buf)
	buf = optString(e, buf, r.Username)
	buf = optString(e, buf, r.Password)
	if r.Proxied == nil {
		buf = e.Unset(buf)
	} else {
		buf = e.SetBegin(buf)
		for _, p := range r.Proxied {
			buf = e.SetItemBytes(buf, p)
		}
		buf = e.SetEnd(buf)
	}
	for i := 0; i < 6; i++ { // file analysis: not done here
		buf = e.Unset(buf)
	}
	return e.End(buf)
}
