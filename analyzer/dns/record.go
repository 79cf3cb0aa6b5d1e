package dns

import (
	"strconv"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/zeeklog"
)

// Record is one dns.log entry (Zeek's DNS::Info). Byte slices alias the
// session's storage: a Record handed to the emit callback is valid only
// during the call.
type Record struct {
	TS       int64 // first message of the transaction, ns since the epoch
	ID       conn.ID
	Proto    uint8 // 6 or 17
	TransID  uint16
	RTT      int64 // ns; valid when HasRTT
	HasRTT   bool
	Query    []byte // valid when HasQuery
	HasQuery bool

	QClass, QType uint16 // valid when HasQType (set by a query)
	HasQType      bool
	RCode         uint16 // valid when HasRCode (set by a reply)
	HasRCode      bool

	AA, TC, RD, RA bool
	Z              uint8
	Rejected       bool

	Opcode    uint8 // valid when HasOpcode
	HasOpcode bool
	NetBIOS   bool // opcode names come from netbios_opcodes

	// Answers: HasAnswers is set once the first non-empty reply string
	// was added (Zeek's answers and TTLs vectors are created together).
	HasAnswers bool
	ans        []byte
	ansEnd     []int32
	TTLs       []uint32 // seconds, one per answer

	sawQuery, sawReply bool
	inPending          bool
	used               bool
}

// NumAnswers returns the number of answer strings.
func (r *Record) NumAnswers() int { return len(r.ansEnd) }

// Answer returns answer i (aliasing the session's storage).
func (r *Record) Answer(i int) []byte {
	lo := int32(0)
	if i > 0 {
		lo = r.ansEnd[i-1]
	}
	return r.ans[lo:r.ansEnd[i]]
}

func (r *Record) reset() {
	ans, ansEnd, ttls, q := r.ans[:0], r.ansEnd[:0], r.TTLs[:0], r.Query[:0]
	*r = Record{ans: ans, ansEnd: ansEnd, TTLs: ttls, Query: q}
}

// addAnswer appends one answer string and its TTL.
func (r *Record) addAnswer(s []byte, ttl uint32) {
	r.HasAnswers = true
	r.ans = append(r.ans, s...)
	r.ansEnd = append(r.ansEnd, int32(len(r.ans)))
	r.TTLs = append(r.TTLs, ttl)
}

// Schema is Zeek's dns.log (scripts/base/protocols/dns/main.zeek).
var Schema = zeeklog.Schema{
	Path: "dns",
	Fields: []zeeklog.Field{
		{Name: "ts", Type: zeeklog.Time},
		{Name: "uid", Type: zeeklog.String},
		{Name: "id.orig_h", Type: zeeklog.Addr},
		{Name: "id.orig_p", Type: zeeklog.Port},
		{Name: "id.resp_h", Type: zeeklog.Addr},
		{Name: "id.resp_p", Type: zeeklog.Port},
		{Name: "proto", Type: zeeklog.Enum},
		{Name: "trans_id", Type: zeeklog.Count},
		{Name: "rtt", Type: zeeklog.Interval},
		{Name: "query", Type: zeeklog.String},
		{Name: "qclass", Type: zeeklog.Count},
		{Name: "qclass_name", Type: zeeklog.String},
		{Name: "qtype", Type: zeeklog.Count},
		{Name: "qtype_name", Type: zeeklog.String},
		{Name: "rcode", Type: zeeklog.Count},
		{Name: "rcode_name", Type: zeeklog.String},
		{Name: "AA", Type: zeeklog.Bool},
		{Name: "TC", Type: zeeklog.Bool},
		{Name: "RD", Type: zeeklog.Bool},
		{Name: "RA", Type: zeeklog.Bool},
		{Name: "Z", Type: zeeklog.Count},
		{Name: "answers", Type: zeeklog.VectorString},
		{Name: "TTLs", Type: zeeklog.VectorInterval},
		{Name: "rejected", Type: zeeklog.Bool},
		{Name: "opcode", Type: zeeklog.Count},
		{Name: "opcode_name", Type: zeeklog.String},
	},
}

// AppendRecord appends r as one dns.log record (schema Schema) and
// returns the extended buffer; it allocates nothing once buf has room.
func AppendRecord(e *zeeklog.Encoder, buf []byte, r *Record) []byte {
	var tmp [32]byte
	buf = e.Begin(buf)
	buf = e.Time(buf, r.TS)
	buf = e.UID(buf, r.ID.UID, 'C')
	buf = e.Addr(buf, r.ID.OrigH)
	buf = e.Port(buf, r.ID.OrigP)
	buf = e.Addr(buf, r.ID.RespH)
	buf = e.Port(buf, r.ID.RespP)
	buf = e.Enum(buf, zeeklog.TransportName(r.Proto))
	buf = e.Count(buf, uint64(r.TransID))
	if r.HasRTT {
		buf = e.Interval(buf, r.RTT)
	} else {
		buf = e.Unset(buf)
	}
	if r.HasQuery {
		buf = e.StringBytes(buf, r.Query)
	} else {
		buf = e.Unset(buf)
	}
	if r.HasQType {
		buf = e.Count(buf, uint64(r.QClass))
		buf = e.StringBytes(buf, AppendQClassName(tmp[:0], r.QClass))
		buf = e.Count(buf, uint64(r.QType))
		buf = e.StringBytes(buf, AppendQTypeName(tmp[:0], r.QType))
	} else {
		buf = e.Unset(buf)
		buf = e.Unset(buf)
		buf = e.Unset(buf)
		buf = e.Unset(buf)
	}
	if r.HasRCode {
		buf = e.Count(buf, uint64(r.RCode))
		buf = e.StringBytes(buf, AppendRCodeName(tmp[:0], r.RCode))
	} else {
		buf = e.Unset(buf)
		buf = e.Unset(buf)
	}
	buf = e.Bool(buf, r.AA)
	buf = e.Bool(buf, r.TC)
	buf = e.Bool(buf, r.RD)
	buf = e.Bool(buf, r.RA)
	buf = e.Count(buf, uint64(r.Z))
	if r.HasAnswers {
		buf = e.SetBegin(buf)
		for i := range r.ansEnd {
			buf = e.SetItemBytes(buf, r.Answer(i))
		}
		buf = e.SetEnd(buf)
		buf = e.SetBegin(buf)
		for _, t := range r.TTLs {
			if e.Format() == zeeklog.TSV {
				// Whole seconds: "%d.000000" without float formatting.
				n := strconv.AppendUint(tmp[:0], uint64(t), 10)
				buf = e.SetItemBytes(buf, append(n, ".000000"...))
			} else {
				buf = e.SetItemInterval(buf, int64(t)*1e9)
			}
		}
		buf = e.SetEnd(buf)
	} else {
		buf = e.Unset(buf)
		buf = e.Unset(buf)
	}
	buf = e.Bool(buf, r.Rejected)
	if r.HasOpcode {
		buf = e.Count(buf, uint64(r.Opcode))
		buf = e.StringBytes(buf, AppendOpcodeName(tmp[:0], r.Opcode, r.NetBIOS))
	} else {
		buf = e.Unset(buf)
		buf = e.Unset(buf)
	}
	return e.End(buf)
}
