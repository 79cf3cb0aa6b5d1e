package http

import (
	"bytes"

	"xsensor/analyzer/conn"
)

// MaxLine bounds the bytes kept of one line (request line, status line,
// header line); the rest of a longer line is dropped.
const MaxLine = 64 << 10

// plainForever is Zeek's INT_MAX "until the end of the connection".
const plainForever = 1<<31 - 1

// violationWindow is DPD::ignore_violations_after: a protocol violation
// seen after this many bytes of the connection does not disable the
// analyzer.
const violationWindow = 10 * 1024

// maxUnanswered bounds the queue of request methods awaiting a reply;
// beyond it requests are counted but their method is not remembered.
const maxUnanswered = 256

const (
	reqExpectLine uint8 = iota
	reqExpectMessage
	reqExpectNothing
)

const (
	repExpectLine uint8 = iota
	repExpectMessage
	repExpectNothing
	repExpectHTTP09
)

// side is one direction: Zeek's ContentLine analyzer state and the
// current HTTP message of that direction.
type side struct {
	line     []byte
	lastCR   bool  // the last line ended in a CR (a following LF is swallowed)
	plain    int64 // bytes left in plain delivery; 0: line mode
	skip     bool  // deliveries skipped after an unrecoverable gap
	crlfOnly bool  // only CRLF ends a line (multipart bodies)
	// deliverySize, when not negative, is the number of bytes left before
	// a line is ended regardless of line terminators (ContentLine's
	// SetDeliverySize: a multipart body with a Content-Length).
	deliverySize int64
	z            *inflater // Content-Encoding decompression (sizes only), made on first use
	msg          message
}

// Session is the HTTP analyzer of one TCP connection.
//
// A Session is owned by one worker goroutine; it is not safe for
// concurrent use. It is reusable: Reset prepares it for a new connection
// and keeps its buffers, so a warmed Session does not allocate.
type Session struct {
	id    conn.ID
	emit  func(*Record)
	weird func(name, addl string)
	ts    int64
	seen  uint64 // bytes delivered or skipped, both directions

	orig, resp side

	reqState, repState          uint8
	numRequests, numReplies     int
	keepAlive, connClose        bool
	requestOngoing              bool
	replyOngoing                bool
	replyCode                   int
	connectRequest              bool
	tunnel                      bool // CONNECT succeeded: the rest is not HTTP
	upgraded, upgradeConn       bool
	upgradeProto                []byte
	requestVersion              version
	replyVersion                version
	confirmed, violated, dead   bool
	unanswered                  [maxUnanswered]bool // is HEAD
	unansweredHead, unansweredN int

	method, uri, scratch []byte

	// Script layer.
	txns                   []txn
	curReq, curResp, depth uint64
	rec                    Record
}

// Reset prepares s for a new connection. emit receives each http.log
// record (valid during the call only); weird receives Zeek weird names.
// Either may be nil.
func (s *Session) Reset(id conn.ID, emit func(*Record), weird func(name, addl string)) {
	o, r := &s.orig, &s.resp
	*o = side{line: o.line[:0], deliverySize: -1, z: o.z, msg: message{hdr: o.msg.hdr[:0], boundary: o.msg.boundary[:0]}}
	*r = side{line: r.line[:0], deliverySize: -1, z: r.z, msg: message{hdr: r.msg.hdr[:0], boundary: r.msg.boundary[:0]}}
	for i := range s.txns {
		s.txns[i].live = false
	}
	*s = Session{
		id: id, emit: emit, weird: weird,
		orig: *o, resp: *r,
		upgradeProto: s.upgradeProto[:0],
		method:       s.method[:0], uri: s.uri[:0], scratch: s.scratch[:0],
		txns: s.txns,
		rec:  Record{},
	}
}

// Confirmed reports whether the analyzer confirmed the protocol (Zeek's
// analyzer_confirmation: a request line was parsed, or a reply answered
// a request).
func (s *Session) Confirmed() bool { return s.confirmed }

// Violated reports a protocol violation within the first 10 KiB of the
// connection (DPD::ignore_violations_after). Zeek with its default
// scripts disables the analyzer then: the worker should stop feeding the
// Session, and still call Done. A Session that is fed on behaves like
// Zeek in bare mode (-b), where nothing disables it.
func (s *Session) Violated() bool { return s.violated }

// Tunneled reports that a CONNECT request succeeded: the rest of the
// connection is a tunnel that HTTP no longer parses.
func (s *Session) Tunneled() bool { return s.tunnel }

func (s *Session) weirdf(name, addl string) {
	if s.weird != nil {
		s.weird(name, addl)
	}
}

func (s *Session) confirm() { s.confirmed = true }

// violation is AnalyzerViolation. Within DPD's window Zeek's default
// scripts (base/frameworks/analyzer/dpd.zeek) then remove the analyzer;
// that is the worker's decision (Violated), so parsing goes on here as in
// Zeek's bare mode.
func (s *Session) violation() {
	if s.seen <= violationWindow {
		s.violated = true
	}
}

func (s *Session) side(isOrig bool) *side {
	if isOrig {
		return &s.orig
	}
	return &s.resp
}

func (s *Session) stopped() bool { return s.dead || s.tunnel || s.upgraded }

// Data delivers in-order stream bytes of one direction; b is not retained.
func (s *Session) Data(isOrig bool, ts int64, b []byte) {
	s.ts = ts
	s.seen += uint64(len(b))
	if s.stopped() {
		return
	}
	if !isOrig && s.repState == repExpectHTTP09 {
		s.http09(b)
		return
	}
	d := s.side(isOrig)
	for len(b) > 0 && !d.skip && !s.stopped() {
		if d.lastCR && b[0] == '\n' {
			d.lastCR = false
			b = b[1:]
			continue
		}
		if d.plain > 0 {
			n := len(b)
			if int64(n) > d.plain {
				n = int(d.plain)
			}
			d.lastCR = false
			d.plain -= int64(n)
			s.deliverPlain(isOrig, b[:n])
			b = b[n:]
			continue
		}
		if !isOrig && s.repState == repExpectHTTP09 {
			s.http09(b)
			return
		}
		b = s.frameLine(isOrig, d, b)
	}
}

// frameLine consumes bytes up to and including one end of line, handing
// the line on; it returns the rest.
func (s *Session) frameLine(isOrig bool, d *side, b []byte) []byte {
	lim, limited := len(b), false
	if d.deliverySize >= 0 && int64(lim) >= d.deliverySize {
		lim, limited = int(d.deliverySize), true
	}
	i := lim
	if !d.crlfOnly {
		if j := bytes.IndexByte(b[:lim], '\n'); j >= 0 {
			i = j
		}
		if j := bytes.IndexByte(b[:i], '\r'); j >= 0 {
			i = j
		}
	} else {
		for i = 0; i < lim; i++ {
			if b[i] == '\n' && ((i > 0 && b[i-1] == '\r') || (i == 0 && len(d.line) > 0 && d.line[len(d.line)-1] == '\r')) {
				break
			}
		}
	}
	if i == lim {
		d.appendLine(b[:lim])
		d.lastCR = false
		if !limited {
			if d.deliverySize >= 0 {
				d.deliverySize -= int64(lim)
			}
			return nil
		}
		// The delivery size ends the line.
		d.deliverySize = -1
		s.lineIn(isOrig, d.line)
		d.line = d.line[:0]
		return b[lim:]
	}
	var line []byte
	end := i
	if d.crlfOnly && end > 0 {
		end-- // drop the CR
	}
	if len(d.line) == 0 && !(d.crlfOnly && i == 0) {
		line = b[:end]
	} else {
		d.appendLine(b[:end])
		if d.crlfOnly && i == 0 && len(d.line) > 0 {
			d.line = d.line[:len(d.line)-1]
		}
		line = d.line
	}
	rest := b[i+1:]
	if b[i] == '\r' {
		if len(rest) > 0 && rest[0] == '\n' {
			rest = rest[1:]
			d.lastCR = false
		} else {
			d.lastCR = true
		}
	} else {
		d.lastCR = false
	}
	if d.deliverySize >= 0 {
		d.deliverySize -= int64(len(b) - len(rest))
		if d.deliverySize < 0 {
			d.deliverySize = 0
		}
	}
	s.lineIn(isOrig, line)
	d.line = d.line[:0]
	return rest
}

func (d *side) appendLine(b []byte) {
	if room := MaxLine - len(d.line); len(b) > room {
		if room <= 0 {
			return
		}
		b = b[:room]
	}
	d.line = append(d.line, b...)
}

// Gap reports n bytes missing in one direction.
func (s *Session) Gap(isOrig bool, n int) {
	s.seen += uint64(n)
	if s.stopped() || n <= 0 {
		return
	}
	d := s.side(isOrig)
	if d.msg.exists && s.msgUndelivered(isOrig, int64(n)) {
		return
	}
	if isOrig {
		s.requestMade(true)
		s.replyMade(true)
	} else {
		s.replyMade(true)
	}
	d.skip = true
}

// EOF reports that one side closed its direction.
func (s *Session) EOF(isOrig bool, ts int64) {
	s.ts = ts
	if s.stopped() {
		return
	}
	d := s.side(isOrig)
	if !(!isOrig && s.repState == repExpectHTTP09) && len(d.line) > 0 && !d.skip && d.plain == 0 {
		// ContentLine flushes a partial line by feeding it a newline.
		s.Data(isOrig, ts, nlByte)
		s.seen--
	}
	if s.stopped() {
		return
	}
	if isOrig {
		s.requestMade(false)
	} else {
		s.replyMade(false)
	}
}

var nlByte = []byte{'\n'}

// Done ends the connection: messages in progress are interrupted and
// every pending transaction is written, as Zeek does when the connection
// is removed.
func (s *Session) Done(ts int64) {
	s.ts = ts
	if !s.dead {
		s.requestMade(true)
		s.replyMade(true)
		s.dead = true
	}
	s.finalize()
}

func (s *Session) pushUnanswered(isHead bool) {
	if s.unansweredN < maxUnanswered {
		s.unanswered[(s.unansweredHead+s.unansweredN)%maxUnanswered] = isHead
	}
	s.unansweredN++
}

func (s *Session) popUnanswered() {
	if s.unansweredN == 0 {
		return
	}
	s.unansweredN--
	s.unansweredHead = (s.unansweredHead + 1) % maxUnanswered
}

func (s *Session) frontIsHead() bool {
	return s.unansweredN > 0 && s.unanswered[s.unansweredHead]
}

// lineIn is HTTP_Analyzer::DeliverStream for one line.
func (s *Session) lineIn(isOrig bool, line []byte) {
	if isOrig {
		switch s.reqState {
		case reqExpectLine:
			if s.requestLine(line) {
				s.numRequests++
				if !s.keepAlive && s.numRequests > 1 {
					s.weirdf("unexpected_multiple_HTTP_requests", "")
				}
				s.reqState = reqExpectMessage
				s.requestOngoing = true
				s.pushUnanswered(prefixFold(s.method, "HEAD"))
				s.confirm()
				if prefixFold(s.method, "CONNECT") {
					s.connectRequest = true
				}
				s.evRequest(s.method, s.uri)
				s.initMessage(true, bodyMaybe)
				if s.requestVersion == (version{0, 9}) {
					if string(s.method) != "GET" {
						s.weirdf("invalid_http_09_request_method", string(s.method))
					}
					if s.resp.msg.exists {
						s.weirdf("http_09_reply_before_request", "")
						s.msgDone(false, false)
						s.resp.msg.exists = false
					}
					s.repState = repExpectHTTP09
				}
			} else if !(s.numRequests == 0 || s.keepAlive) {
				// crud_trailing_HTTP_request: an http_event only.
			} else if len(line) == 0 {
				s.weirdf("empty_http_request", "")
			} else {
				s.reqState = reqExpectNothing
				s.violation()
			}
		case reqExpectMessage:
			s.entityDeliver(true, line, true)
		}
		return
	}
	switch s.repState {
	case repExpectLine:
		code, reason, reasonSet, ok := s.replyLine(line)
		if !ok {
			if len(line) > 0 {
				s.repState = repExpectNothing
				s.violation()
			}
			return
		}
		s.numReplies++
		if s.unansweredN > 0 {
			s.confirm()
		}
		s.repState = repExpectMessage
		s.replyOngoing = true
		s.replyCode = code
		s.evReply(code, reason, reasonSet)
		if s.connectRequest && code != 200 {
			s.connectRequest = false
		}
		s.initMessage(false, s.expectReplyBody())
	case repExpectMessage:
		s.entityDeliver(false, line, true)
		if s.connectRequest && len(line) == 0 && !s.dead {
			s.tunnel = true
		}
	}
}

// http09 handles server bytes after an HTTP/0.9 request: raw body.
func (s *Session) http09(b []byte) {
	m := &s.resp.msg
	if !m.exists {
		s.setVersion(&s.replyVersion, version{0, 9})
		if s.unansweredN > 0 {
			s.confirm()
			s.popUnanswered()
		}
		s.connClose = true
		s.replyOngoing = true
		s.evReply(s.replyCode, nil, false)
		s.initMessage(false, s.expectReplyBody())
		s.entityDeliver(false, nil, true)
	}
	s.entityDeliver(false, b, false)
}

func (s *Session) deliverPlain(isOrig bool, b []byte) {
	if s.side(isOrig).msg.exists {
		s.entityDeliver(isOrig, b, false)
		return
	}
	if isOrig {
		s.weirdf("unexpected_client_HTTP_data", "")
	} else {
		s.weirdf("unexpected_server_HTTP_data", "")
	}
}

func (s *Session) expectReplyBody() uint8 {
	if s.frontIsHead() {
		return bodyNotExpected
	}
	if c := s.replyCode; (c >= 100 && c < 200) || c == 204 || c == 304 {
		return bodyNotExpected
	}
	return bodyExpected
}

func (s *Session) setVersion(v *version, nv version) {
	if *v == (version{}) {
		*v = nv
	} else if *v != nv {
		s.weirdf("HTTP_version_mismatch", "")
		*v = nv
	}
	if v.major > 1 || (v.major == 1 && v.minor > 0) {
		s.keepAlive = true
	}
}

// requestMade is RequestMade: the request message ends.
func (s *Session) requestMade(interrupted bool) {
	if !s.requestOngoing {
		return
	}
	s.requestOngoing = false
	s.msgDone(true, interrupted)
	if interrupted {
		s.reqState = reqExpectNothing
	} else {
		s.reqState = reqExpectLine
	}
}

// replyMade is ReplyMade: the reply message ends.
func (s *Session) replyMade(interrupted bool) {
	if !s.replyOngoing {
		return
	}
	s.replyOngoing = false
	s.msgDone(false, interrupted)
	if (s.replyCode < 100 || s.replyCode >= 200) && s.unansweredN > 0 {
		s.popUnanswered()
	}
	if s.replyCode == 101 && s.unansweredN == 1 && s.upgradeConn && len(s.upgradeProto) > 0 {
		s.upgraded = true
	}
	s.replyCode = 0
	s.upgradeConn = false
	s.upgradeProto = s.upgradeProto[:0]
	if interrupted || s.upgraded {
		s.repState = repExpectNothing
	} else {
		s.repState = repExpectLine
	}
}
