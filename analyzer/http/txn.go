package http

// This file is the script layer: scripts/base/protocols/http/main.zeek.

// maxPendingRequests is HTTP::max_pending_requests.
const maxPendingRequests = 100

var emptyBytes = []byte{}

// field is an optional string field of a pending transaction; its buffer
// is reused from one transaction to the next.
type field struct {
	b   []byte
	set bool
}

func (f *field) put(v []byte) {
	f.b = append(f.b[:0], v...)
	f.set = true
}

func (f *field) putString(v string) {
	f.b = append(f.b[:0], v...)
	f.set = true
}

func (f *field) get() []byte {
	if !f.set {
		return nil
	}
	if f.b == nil {
		return emptyBytes
	}
	return f.b
}

// txn is one entry of Zeek's HTTP::State$pending table (an HTTP::Info).
type txn struct {
	key  uint64 // index in the pending table
	live bool

	ts    int64
	depth uint64

	method, host, uri, referrer, version, userAgent, origin field
	statusMsg, infoMsg, username                            field
	statusCode, infoCode                                    uint64
	hasStatus, hasInfo                                      bool
	reqLen, respLen                                         uint64

	proxiedBuf []byte
	proxiedEnd []int
	proxied    [][]byte
	hasProxied bool
}

func (t *txn) reset() {
	t.method.set, t.host.set, t.uri.set, t.referrer.set = false, false, false, false
	t.version.set, t.userAgent.set, t.origin.set = false, false, false
	t.statusMsg.set, t.infoMsg.set, t.username.set = false, false, false
	t.statusCode, t.infoCode, t.hasStatus, t.hasInfo = 0, 0, false, false
	t.reqLen, t.respLen = 0, 0
	t.proxiedBuf, t.proxiedEnd, t.hasProxied = t.proxiedBuf[:0], t.proxiedEnd[:0], false
}

// addProxied adds "NAME -> value" to the proxied set (a set: no duplicates).
func (t *txn) addProxied(name, value []byte) {
	start := len(t.proxiedBuf)
	t.proxiedBuf = appendUpper(t.proxiedBuf, name)
	t.proxiedBuf = append(t.proxiedBuf, " -> "...)
	t.proxiedBuf = append(t.proxiedBuf, value...)
	item := t.proxiedBuf[start:]
	prev := 0
	for _, end := range t.proxiedEnd {
		if string(t.proxiedBuf[prev:end]) == string(item) {
			t.proxiedBuf = t.proxiedBuf[:start]
			t.hasProxied = true
			return
		}
		prev = end
	}
	t.proxiedEnd = append(t.proxiedEnd, len(t.proxiedBuf))
	t.hasProxied = true
}

func (s *Session) findTxn(key uint64) *txn {
	for i := range s.txns {
		if t := &s.txns[i]; t.live && t.key == key {
			return t
		}
	}
	return nil
}

func (s *Session) nPending() int {
	n := 0
	for i := range s.txns {
		if s.txns[i].live {
			n++
		}
	}
	return n
}

// newTxn is new_http_session: a fresh Info at pending[key].
func (s *Session) newTxn(key uint64) *txn {
	var t *txn
	for i := range s.txns {
		if !s.txns[i].live {
			t = &s.txns[i]
			break
		}
	}
	if t == nil {
		s.txns = append(s.txns, txn{})
		t = &s.txns[len(s.txns)-1]
	}
	t.reset()
	t.live = true
	t.key = key
	t.ts = s.ts
	s.depth++
	t.depth = s.depth
	return t
}

// setState is set_state: the Info for the current request or response.
func (s *Session) setState(isOrig bool) *txn {
	key := s.curResp
	if isOrig {
		key = s.curReq
	}
	if t := s.findTxn(key); t != nil {
		return t
	}
	return s.newTxn(key)
}

func (s *Session) writeTxn(t *txn) {
	r := &s.rec
	*r = Record{
		TS:              t.ts,
		ID:              s.id,
		TransDepth:      t.depth,
		Method:          t.method.get(),
		Host:            t.host.get(),
		URI:             t.uri.get(),
		Referrer:        t.referrer.get(),
		Version:         t.version.get(),
		UserAgent:       t.userAgent.get(),
		Origin:          t.origin.get(),
		RequestBodyLen:  t.reqLen,
		ResponseBodyLen: t.respLen,
		StatusCode:      t.statusCode,
		HasStatusCode:   t.hasStatus,
		StatusMsg:       t.statusMsg.get(),
		InfoCode:        t.infoCode,
		HasInfoCode:     t.hasInfo,
		InfoMsg:         t.infoMsg.get(),
		Username:        t.username.get(),
	}
	if t.hasProxied {
		t.proxied = t.proxied[:0]
		prev := 0
		for _, end := range t.proxiedEnd {
			t.proxied = append(t.proxied, t.proxiedBuf[prev:end])
			prev = end
		}
		r.Proxied = t.proxied
		if r.Proxied == nil {
			r.Proxied = [][]byte{}
		}
	}
	if s.emit != nil {
		s.emit(r)
	}
}

var knownMethods = [...]string{
	"GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE", "CONNECT",
	"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
	"POLL", "REPORT", "SUBSCRIBE", "BMOVE", "SEARCH",
}

// evRequest is the http_request event handler.
func (s *Session) evRequest(method, uri []byte) {
	if s.curReq < s.curResp {
		s.weirdf("HTTP_response_before_request", "")
		s.curReq = s.curResp
	}
	if maxPendingRequests > 0 && s.nPending() > maxPendingRequests {
		s.weirdf("HTTP_excessive_pipelining", "")
		if s.curResp == 0 {
			s.curResp++
		}
		for s.curResp < s.curReq {
			if t := s.findTxn(s.curResp); t != nil {
				s.writeTxn(t)
				t.live = false
			}
			s.curResp++
		}
	}
	s.curReq++
	t := s.setState(true)
	t.method.put(method)
	t.uri.put(uri)
	known := false
	for _, m := range knownMethods {
		if string(method) == m {
			known = true
			break
		}
	}
	if !known {
		s.weirdf("unknown_HTTP_method", string(method))
	}
}

func inRange1xx(c uint64) bool { return c >= 100 && c <= 199 }

// evReply is the http_reply event handler.
func (s *Session) evReply(code int, reason []byte, reasonSet bool) {
	t := s.findTxn(s.curResp)
	if t == nil || (t.hasStatus && !inRange1xx(t.statusCode)) {
		s.curResp++
	}
	t = s.setState(false)
	t.statusCode, t.hasStatus = uint64(code), true
	if reasonSet {
		t.statusMsg.put(reason)
	} else {
		t.statusMsg.putString("<empty>")
	}
	t.version.b = appendVersion(t.version.b[:0], s.replyVersion)
	t.version.set = true
	if inRange1xx(uint64(code)) {
		t.infoCode, t.hasInfo = uint64(code), true
		t.infoMsg.put(t.statusMsg.b)
	}
}

// evHeader is the http_header event handler.
func (s *Session) evHeader(isOrig bool, name, value []byte) {
	t := s.setState(isOrig)
	if !isOrig {
		return
	}
	switch {
	case equalFold(name, "REFERER"):
		t.referrer.put(value)
	case equalFold(name, "HOST"):
		t.host.put(value)
	case equalFold(name, "RANGE"):
	case equalFold(name, "ORIGIN"):
		t.origin.put(value)
	case equalFold(name, "USER-AGENT"):
		t.userAgent.put(value)
	case equalFold(name, "FORWARDED"), equalFold(name, "X-FORWARDED-FOR"),
		equalFold(name, "X-FORWARDED-FROM"), equalFold(name, "CLIENT-IP"),
		equalFold(name, "VIA"), equalFold(name, "XROXY-CONNECTION"),
		equalFold(name, "PROXY-CONNECTION"):
		t.addProxied(name, value)
	case equalFold(name, "AUTHORIZATION"), equalFold(name, "PROXY-AUTHORIZATION"):
		s.basicAuth(t, value)
	}
}

// basicAuth fills username from a Basic Authorization header value.
func (s *Session) basicAuth(t *txn, value []byte) {
	if len(value) < 6 || !equalFold(value[:5], "BASIC") || value[5] != ' ' {
		return
	}
	rest := value[5:]
	for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
		rest = rest[1:]
	}
	s.scratch = decodeBase64(s.scratch[:0], rest)
	for i, c := range s.scratch {
		if c == ':' {
			t.username.put(s.scratch[:i])
			return
		}
	}
	t.username.b = append(t.username.b[:0], "<problem-decoding> ("...)
	t.username.b = append(t.username.b, value...)
	t.username.b = append(t.username.b, ')')
	t.username.set = true
}

// evMessageDone is the http_message_done event handlers (priorities 5
// and -5).
func (s *Session) evMessageDone(isOrig bool, bodyLen uint64) {
	t := s.setState(isOrig)
	if isOrig {
		t.reqLen = bodyLen
		return
	}
	t.respLen = bodyLen
	if !(t.hasStatus && inRange1xx(t.statusCode)) {
		s.writeTxn(t)
		if p := s.findTxn(s.curResp); p != nil {
			p.live = false
		}
	}
}

// finalize is the finalize_http removal hook: pending entries other than
// index 0 are written, in request order.
func (s *Session) finalize() {
	for {
		var best *txn
		for i := range s.txns {
			t := &s.txns[i]
			if t.live && t.key != 0 && (best == nil || t.key < best.key) {
				best = t
			}
		}
		if best == nil {
			break
		}
		s.writeTxn(best)
		best.live = false
	}
	for i := range s.txns {
		s.txns[i].live = false
	}
}
