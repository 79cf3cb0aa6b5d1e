package manager

import (
	"net/netip"
	"time"

	"xsensor/analyzer/zeeklog"
)

// NoticeSchema is Zeek's notice.log (Notice::Info, with the
// remote_location fields of policy/frameworks/notice/extend-email and
// GeoIP left unset).
var NoticeSchema = zeeklog.Schema{Path: "notice", Fields: []zeeklog.Field{
	{Name: "ts", Type: zeeklog.Time},
	{Name: "uid", Type: zeeklog.String},
	{Name: "id.orig_h", Type: zeeklog.Addr},
	{Name: "id.orig_p", Type: zeeklog.Port},
	{Name: "id.resp_h", Type: zeeklog.Addr},
	{Name: "id.resp_p", Type: zeeklog.Port},
	{Name: "fuid", Type: zeeklog.String},
	{Name: "file_mime_type", Type: zeeklog.String},
	{Name: "file_desc", Type: zeeklog.String},
	{Name: "proto", Type: zeeklog.Enum},
	{Name: "note", Type: zeeklog.Enum},
	{Name: "msg", Type: zeeklog.String},
	{Name: "sub", Type: zeeklog.String},
	{Name: "src", Type: zeeklog.Addr},
	{Name: "dst", Type: zeeklog.Addr},
	{Name: "p", Type: zeeklog.Port},
	{Name: "n", Type: zeeklog.Count},
	{Name: "peer_descr", Type: zeeklog.String},
	{Name: "actions", Type: zeeklog.SetEnum},
	{Name: "email_dest", Type: zeeklog.SetString},
	{Name: "suppress_for", Type: zeeklog.Interval},
	{Name: "remote_location.country_code", Type: zeeklog.String},
	{Name: "remote_location.region", Type: zeeklog.String},
	{Name: "remote_location.city", Type: zeeklog.String},
	{Name: "remote_location.latitude", Type: zeeklog.Double},
	{Name: "remote_location.longitude", Type: zeeklog.Double},
}}

// Notice is one notice as a worker raises it. Empty strings, invalid
// addresses and the Has flags' zero values are written unset ("-"), as
// Zeek leaves &optional fields.
type Notice struct {
	TS  int64  // ns since the epoch (network time)
	UID string // connection uid, "" when none
	// Connection 4-tuple (id.*); written when OrigH is valid.
	OrigH, RespH netip.Addr
	OrigP, RespP uint16
	Proto        string // "tcp", "udp", "icmp" or ""

	Fuid, FileMimeType, FileDesc string

	Note     string // "Scan::Address_Scan"
	Msg, Sub string
	Src, Dst netip.Addr
	P        uint16
	HasP     bool
	N        uint64
	HasN     bool

	PeerDescr string // node that raised it ("worker-1")
	// Actions; nil means Zeek's default {Notice::ACTION_LOG}.
	Actions   []string
	EmailDest []string
	// Identifier is the suppression key with Note (not logged). Empty:
	// never suppressed, as in Zeek.
	Identifier  string
	SuppressFor time.Duration // Notice::default_suppression_interval when unset by the script
}

var defaultActions = []string{"Notice::ACTION_LOG"}

// AppendNotice encodes n as a notice.log record; e must be an Encoder of
// NoticeSchema. It does not allocate once buf has grown.
func AppendNotice(e *zeeklog.Encoder, buf []byte, n *Notice) []byte {
	buf = e.Begin(buf)
	buf = e.Time(buf, n.TS)
	buf = optString(e, buf, n.UID)
	if n.OrigH.IsValid() {
		buf = e.Addr(buf, n.OrigH)
		buf = e.Port(buf, n.OrigP)
		buf = e.Addr(buf, n.RespH)
		buf = e.Port(buf, n.RespP)
	} else {
		for range 4 {
			buf = e.Unset(buf)
		}
	}
	buf = optString(e, buf, n.Fuid)
	buf = optString(e, buf, n.FileMimeType)
	buf = optString(e, buf, n.FileDesc)
	if n.Proto != "" {
		buf = e.Enum(buf, n.Proto)
	} else {
		buf = e.Unset(buf)
	}
	buf = e.Enum(buf, n.Note)
	buf = optString(e, buf, n.Msg)
	buf = optString(e, buf, n.Sub)
	buf = optAddr(e, buf, n.Src)
	buf = optAddr(e, buf, n.Dst)
	if n.HasP {
		buf = e.Port(buf, n.P)
	} else {
		buf = e.Unset(buf)
	}
	if n.HasN {
		buf = e.Count(buf, n.N)
	} else {
		buf = e.Unset(buf)
	}
	buf = optString(e, buf, n.PeerDescr)
	actions := n.Actions
	if actions == nil {
		actions = defaultActions
	}
	buf = e.SetStrings(buf, actions)
	buf = e.SetStrings(buf, n.EmailDest)
	buf = e.Interval(buf, int64(n.SuppressFor))
	for range 5 {
		buf = e.Unset(buf)
	}
	return e.End(buf)
}

func optString(e *zeeklog.Encoder, buf []byte, s string) []byte {
	if s == "" {
		return e.Unset(buf)
	}
	return e.String(buf, s)
}

func optAddr(e *zeeklog.Encoder, buf []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return e.Unset(buf)
	}
	return e.Addr(buf, a)
}

// suppressor remembers, per (note, identifier), until when further
// notices are suppressed: Zeek's Notice::suppressing table, whose entries
// expire suppress_for after creation (a suppressed notice does not extend
// it). Not safe for concurrent use (the Manager's handler owns it).
type suppressor struct {
	until map[string]int64 // key → Unix ns
	key   []byte
	sweep int64
}

// allow reports whether a notice is logged at now, and if so starts its
// suppression. An empty identifier or a zero interval never suppresses.
func (s *suppressor) allow(note, identifier []byte, suppressFor time.Duration, now int64) bool {
	if len(identifier) == 0 || suppressFor <= 0 {
		return true
	}
	if now >= s.sweep {
		for k, u := range s.until {
			if u <= now {
				delete(s.until, k)
			}
		}
		s.sweep = now + int64(time.Minute)
	}
	s.key = append(append(append(s.key[:0], note...), 0), identifier...)
	if u, ok := s.until[string(s.key)]; ok && now < u {
		return false
	}
	if s.until == nil {
		s.until = map[string]int64{}
	}
	s.until[string(s.key)] = now + int64(suppressFor)
	return true
}
