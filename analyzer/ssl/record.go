package ssl

import (
	"xsensor/analyzer/conn"
	"xsensor/analyzer/zeeklog"
)

// Schema is Zeek's ssl.log with its default fields, plus ja4.
var Schema = zeeklog.Schema{
	Path: "ssl",
	Fields: []zeeklog.Field{
		{Name: "ts", Type: zeeklog.Time},
		{Name: "uid", Type: zeeklog.String},
		{Name: "id.orig_h", Type: zeeklog.Addr},
		{Name: "id.orig_p", Type: zeeklog.Port},
		{Name: "id.resp_h", Type: zeeklog.Addr},
		{Name: "id.resp_p", Type: zeeklog.Port},
		{Name: "version", Type: zeeklog.String},
		{Name: "cipher", Type: zeeklog.String},
		{Name: "curve", Type: zeeklog.String},
		{Name: "server_name", Type: zeeklog.String},
		{Name: "resumed", Type: zeeklog.Bool},
		{Name: "last_alert", Type: zeeklog.String},
		{Name: "next_protocol", Type: zeeklog.String},
		{Name: "established", Type: zeeklog.Bool},
		{Name: "ssl_history", Type: zeeklog.String},
		{Name: "cert_chain_fps", Type: zeeklog.VectorString},
		{Name: "client_cert_chain_fps", Type: zeeklog.VectorString},
		{Name: "sni_matches_cert", Type: zeeklog.Bool},
		{Name: "ja4", Type: zeeklog.String},
	},
}

// Record is one ssl.log line. A nil slice is an unset field. All slices
// point into the Session's buffers: valid during the emit callback only.
type Record struct {
	TS int64 // nanoseconds since the epoch
	ID conn.ID

	Version, Cipher, Curve, ServerName []byte
	Resumed                            bool
	LastAlert, NextProtocol            []byte
	Established                        bool
	History                            []byte // never nil: "" is Zeek's default
	// CertChainFps and ClientCertChainFps are the SHA-256 fingerprints
	// of the certificates each side sent; both nil until a Certificate
	// message is seen (TLS 1.3 certificates are encrypted).
	CertChainFps, ClientCertChainFps [][]byte
	JA4                              []byte
}

func optString(e *zeeklog.Encoder, buf, v []byte) []byte {
	if v == nil {
		return e.Unset(buf)
	}
	return e.StringBytes(buf, v)
}

// AppendRecord appends r as one ssl.log line (schema Schema).
func AppendRecord(e *zeeklog.Encoder, buf []byte, r *Record) []byte {
	buf = e.Begin(buf)
	buf = e.Time(buf, r.TS)
	buf = e.UID(buf, r.ID.UID, 'C')
	buf = e.Addr(buf, r.ID.OrigH)
	buf = e.Port(buf, r.ID.OrigP)
	buf = e.Addr(buf, r.ID.RespH)
	buf = e.Port(buf, r.ID.RespP)
	buf = optString(e, buf, r.Version)
	buf = optString(e, buf, r.Cipher)
	buf = optString(e, buf, r.Curve)
	buf = optString(e, buf, r.ServerName)
	buf = e.Bool(buf, r.Resumed)
	buf = optString(e, buf, r.LastAlert)
	buf = optString(e, buf, r.NextProtocol)
	buf = e.Bool(buf, r.Established)
	h := r.History
	if h == nil {
		h = []byte{}
	}
	buf = e.StringBytes(buf, h)
	buf = fps(e, buf, r.CertChainFps)
	buf = fps(e, buf, r.ClientCertChainFps)
	buf = e.Unset(buf) // sni_matches_cert
	buf = optString(e, buf, r.JA4)
	return e.End(buf)
}

func fps(e *zeeklog.Encoder, buf []byte, v [][]byte) []byte {
	if v == nil {
		return e.Unset(buf)
	}
	buf = e.SetBegin(buf)
	for _, f := range v {
		buf = e.SetItemBytes(buf, f)
	}
	return e.SetEnd(buf)
}
