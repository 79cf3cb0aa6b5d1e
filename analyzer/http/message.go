package http

// This file is HTTP_Message and HTTP_Entity (HTTP.cc) with the parts of
// MIME_Entity (MIME.cc) that HTTP uses: one top-level entity per message.

const (
	bodyNotExpected uint8 = iota
	bodyMaybe
	bodyExpected
)

const (
	chunkNone uint8 = iota // NON_CHUNKED_TRANSFER
	chunkBefore
	chunkSize
	chunkData
	chunkDataCRLF
	chunkTrailer
	chunkNothing
)

// message is one request or reply message.
type message struct {
	exists, finished bool
	expectBody       uint8
	inHeader         bool
	endOfData        bool

	hdr    []byte // the header line being collected (with continuations)
	hasHdr bool

	contentLength int64 // -1: none
	rangeLength   int64
	partial       bool
	chunk         uint8
	expectData    int64
	bodyLen       uint64
	multipart     bool
	boundary      []byte
	encoded       bool // gzip or deflate Content-Encoding
	wrap          uint8
	zStarted      bool
}

func (s *Session) initMessage(isOrig bool, expectBody uint8) {
	d := s.side(isOrig)
	m := &d.msg
	if m.exists && !m.finished {
		s.weirdf("HTTP_overlapping_messages", "")
	}
	*m = message{
		exists:        true,
		expectBody:    expectBody,
		inHeader:      true,
		hdr:           m.hdr[:0],
		contentLength: -1,
		rangeLength:   -1,
		boundary:      m.boundary[:0],
	}
	d.crlfOnly = false
	d.deliverySize = -1
}

// entityDeliver is HTTP_Entity::Deliver on the top-level entity.
func (s *Session) entityDeliver(isOrig bool, data []byte, crlf bool) {
	d := s.side(isOrig)
	m := &d.msg
	if m.endOfData {
		return
	}
	if m.inHeader {
		if !crlf {
			s.weirdf("http_no_crlf_in_header_list", "")
		}
		switch {
		case len(data) == 0 || data[0] == 0:
			s.finishHeader(isOrig)
			m.inHeader = false
			s.submitAllHeaders(isOrig)
		case isSpace(data[0]):
			if !m.hasHdr {
				s.newHeader(m, skipWS(data))
			} else if room := MaxLine - len(m.hdr); room > 0 {
				if len(data) > room {
					data = data[:room]
				}
				m.hdr = append(m.hdr, data...)
			}
		default:
			s.finishHeader(isOrig)
			s.newHeader(m, data)
		}
		return
	}
	if m.multipart {
		s.deliverBody(m, data, crlf)
		s.checkBoundary(isOrig, data)
		return
	}
	if m.chunk != chunkNone {
		switch m.chunk {
		case chunkSize:
			n, ok := atoiN(data, 16)
			if !ok {
				s.weirdf("HTTP_bad_chunk_size", "")
				n = 0
			}
			m.expectData = n
			if n > 0 {
				m.chunk = chunkData
				d.plain = n
			} else {
				m.inHeader = true
				m.chunk = chunkTrailer
			}
		case chunkData:
			m.expectData -= int64(len(data))
			if m.expectData <= 0 {
				d.plain = 0
				m.chunk = chunkDataCRLF
			}
			s.deliverBody(m, data, false)
		case chunkDataCRLF:
			m.chunk = chunkSize
		}
		return
	}
	if m.contentLength >= 0 {
		s.deliverBody(m, data, false)
		m.expectData -= int64(len(data))
		if m.expectData <= 0 {
			d.plain = 0
			s.entityEndOfData(isOrig)
		}
		return
	}
	s.deliverBody(m, data, crlf)
}

// deliverBody counts body bytes; a gzip or deflate body counts its
// decompressed size (without the line ends of line-mode delivery, which
// Zeek does not hand to the decompressor either).
func (s *Session) deliverBody(m *message, data []byte, crlf bool) {
	if m.encoded {
		d := &s.orig
		if m == &s.resp.msg {
			d = &s.resp
		}
		if !m.zStarted {
			m.zStarted = true
			if d.z == nil {
				d.z = new(inflater)
			}
			d.z.reset(m.wrap)
		}
		failed := d.z.failed
		m.bodyLen += d.z.feed(data)
		if d.z.failed && !failed {
			s.weirdf("inflate_failed", "")
		}
		return
	}
	m.bodyLen += uint64(len(data))
	if crlf {
		m.bodyLen += 2
	}
}

// checkBoundary is MIME's CheckBoundaryDelimiter on the top-level entity:
// the closing delimiter ends the message.
func (s *Session) checkBoundary(isOrig bool, line []byte) {
	m := &s.side(isOrig).msg
	bl := len(m.boundary)
	if len(line) >= 4+bl && line[0] == '-' && line[1] == '-' &&
		string(line[2:2+bl]) == string(m.boundary) && line[2+bl] == '-' && line[3+bl] == '-' {
		s.entityEndOfData(isOrig)
	}
}

func (s *Session) newHeader(m *message, data []byte) {
	if len(data) > MaxLine {
		data = data[:MaxLine]
	}
	m.hdr = append(m.hdr[:0], data...)
	m.hasHdr = true
}

// finishHeader parses the collected header line (MIME_Header) and
// submits it.
func (s *Session) finishHeader(isOrig bool) {
	m := &s.side(isOrig).msg
	if !m.hasHdr {
		return
	}
	m.hasHdr = false
	b := m.hdr
	// MIME_get_field_name.
	i := skipLWSComments(b)
	var name []byte
	for i < len(b) {
		if c := b[i]; c >= 33 && c <= 126 && c != ':' {
			j := i
			for j < len(b) && b[j] >= 33 && b[j] <= 126 && b[j] != ':' {
				j++
			}
			name = b[i:j]
			i = j
			break
		}
		j := skipLWSComments(b[i:])
		if j > 0 {
			i += j
		} else {
			i++
		}
	}
	if name == nil {
		return
	}
	i += skipLWSComments(b[i:])
	if i >= len(b) || b[i] != ':' {
		return // malformed header line
	}
	value := b[i+1:]
	for len(value) > 0 && (value[0] == ' ' || (value[0] >= '\t' && value[0] <= '\r')) {
		value = value[1:]
	}
	s.submitHeader(isOrig, name, value)
}

// submitHeader is HTTP_Entity::SubmitHeader, MIME's content-type parsing
// and HTTP_Analyzer::HTTP_Header.
func (s *Session) submitHeader(isOrig bool, name, value []byte) {
	m := &s.side(isOrig).msg
	tok, rest := firstToken(value)
	switch {
	case equalFold(name, "content-length"):
		if tok != nil {
			if n, ok := atoiN(tok, 10); ok {
				m.contentLength = n
				if m.partial && m.rangeLength != n {
					s.weirdf("HTTP_range_not_matching_len", "")
					if m.rangeLength > n {
						m.contentLength = m.rangeLength
					}
				}
			} else {
				m.contentLength = 0
			}
		}
	case equalFold(name, "content-range") && s.replyCode == 206:
		s.contentRange(m, tok, rest)
	case equalFold(name, "transfer-encoding"):
		v := s.replyVersion
		if s.requestOngoing {
			v = s.requestVersion
		}
		if tok != nil && equalFold(tok, "chunked") && v == (version{1, 1}) {
			m.chunk = chunkBefore
		}
	case equalFold(name, "content-encoding"):
		if tok != nil && (equalFold(tok, "gzip") || equalFold(tok, "x-gzip")) {
			m.encoded, m.wrap = true, wrapGzipAuto
		}
		if tok != nil && equalFold(tok, "deflate") {
			m.encoded, m.wrap = true, wrapDeflateAuto
		}
	case equalFold(name, "content-type"):
		if tok != nil && equalFold(tok, "multipart") {
			if bd := boundaryParam(rest); bd != nil {
				m.multipart = true
				m.boundary = append(m.boundary[:0], bd...)
			}
		} else {
			m.multipart = false
		}
	}
	if equalFold(name, "connection") {
		if isOrig && tok != nil && equalFold(tok, "keep-alive") {
			s.keepAlive = true
		}
		if !isOrig && tok != nil {
			if equalFold(tok, "close") {
				s.connClose = true
			} else if equalFold(tok, "upgrade") {
				s.upgradeConn = true
			}
		}
	}
	if !isOrig && equalFold(name, "upgrade") {
		s.upgradeProto = append(s.upgradeProto[:0], tok...)
	}
	s.evHeader(isOrig, name, value)
}

// boundaryParam finds the boundary parameter after "multipart".
func boundaryParam(b []byte) []byte {
	for i := 0; i+9 <= len(b); i++ {
		if !equalFold(b[i:i+8], "boundary") || (i > 0 && isTokenChar(b[i-1])) {
			continue
		}
		v := b[i+8:]
		v = skipWS(v)
		if len(v) == 0 || v[0] != '=' {
			continue
		}
		v = skipWS(v[1:])
		if len(v) > 0 && v[0] == '"' {
			for j := 1; j < len(v); j++ {
				if v[j] == '"' {
					return v[1:j]
				}
			}
			return nil
		}
		j := 0
		for j < len(v) && v[j] >= 33 && v[j] <= 126 && v[j] != '"' && v[j] != ';' {
			j++
		}
		if j == 0 {
			return nil
		}
		return v[:j]
	}
	return nil
}

// contentRange handles Content-Range in a 206 reply.
func (s *Session) contentRange(m *message, unit, rest []byte) {
	if unit == nil || string(unit) != "bytes" {
		s.weirdf("HTTP_content_range_unknown_byte_unit", "")
		return
	}
	// Remove blanks.
	var buf [64]byte
	r := buf[:0]
	for _, c := range rest {
		if c != ' ' && len(r) < len(buf) {
			r = append(r, c)
		}
	}
	slash := -1
	for i, c := range r {
		if c == '/' {
			slash = i
			break
		}
	}
	if slash < 0 {
		s.weirdf("HTTP_content_range_cannot_parse", "")
		return
	}
	spec := r[:slash]
	dash := -1
	for i, c := range spec {
		if c == '-' {
			dash = i
			break
		}
	}
	if dash < 0 {
		s.weirdf("HTTP_content_range_cannot_parse", "")
		return
	}
	f, ok1 := atoiN(spec[:dash], 10)
	l, ok2 := atoiN(spec[dash+1:], 10)
	if !ok1 || !ok2 {
		s.weirdf("HTTP_content_range_cannot_parse", string(r))
		return
	}
	n := l - f + 1
	if n <= 0 {
		s.weirdf("HTTP_non_positive_content_range", "")
		return
	}
	m.partial = true
	m.rangeLength = n
	if m.contentLength > 0 {
		if m.contentLength != n {
			s.weirdf("HTTP_range_not_matching_len", "")
			if n > m.contentLength {
				m.contentLength = n
			}
		}
	} else {
		m.contentLength = n
	}
}

// submitAllHeaders is HTTP_Entity::SubmitAllHeaders: decides how the
// body is delimited.
func (s *Session) submitAllHeaders(isOrig bool) {
	d := s.side(isOrig)
	m := &d.msg
	if m.chunk == chunkTrailer {
		m.chunk = chunkNothing
		s.entityEndOfData(isOrig)
		return
	}
	if m.expectBody == bodyNotExpected {
		s.entityEndOfData(isOrig)
		return
	}
	switch {
	case m.multipart:
		if m.chunk != chunkNone {
			s.weirdf("HTTP_chunked_transfer_for_multipart_message", "")
		}
		d.crlfOnly = true
		if m.contentLength >= 0 {
			d.deliverySize = m.contentLength
		}
	case m.chunk != chunkNone:
		m.chunk = chunkSize
	case m.contentLength >= 0:
		if m.contentLength > 0 {
			m.expectData = m.contentLength
			d.plain = m.contentLength
		} else {
			s.entityEndOfData(isOrig)
		}
	case s.connClose || m.encoded:
		m.expectData = plainForever
		d.plain = plainForever
	case m.expectBody != bodyExpected:
		s.entityEndOfData(isOrig)
	}
}

// entityEndOfData is HTTP_Entity::EndOfData then MIME_Entity::EndOfData:
// the entity ends, and with it the message.
func (s *Session) entityEndOfData(isOrig bool) {
	d := s.side(isOrig)
	m := &d.msg
	if m.endOfData {
		return
	}
	m.endOfData = true
	d.crlfOnly = false
	d.deliverySize = -1
	if m.inHeader {
		s.finishHeader(isOrig)
		m.inHeader = false
		s.submitAllHeaders(isOrig)
	}
	s.msgDone(isOrig, false)
}

// msgDone is HTTP_Message::Done.
func (s *Session) msgDone(isOrig bool, interrupted bool) {
	m := &s.side(isOrig).msg
	if !m.exists || m.finished {
		return
	}
	m.finished = true
	s.entityEndOfData(isOrig)
	s.evMessageDone(isOrig, m.bodyLen)
	if isOrig {
		s.requestMade(false)
	} else {
		s.replyMade(false)
	}
}

// msgUndelivered is HTTP_Message::Undelivered: whether a gap of n bytes
// lies inside the body, so that parsing can go on.
func (s *Session) msgUndelivered(isOrig bool, n int64) bool {
	d := s.side(isOrig)
	m := &d.msg
	if (m.endOfData && m.inHeader) || m.bodyLen == 0 {
		return false
	}
	if m.chunk != chunkNone {
		if m.chunk == chunkData && m.expectData >= n {
			m.bodyLen += uint64(n)
			m.expectData -= n
			d.plain = m.expectData
			if m.expectData == 0 {
				m.chunk = chunkDataCRLF
			}
			return true
		}
		return false
	}
	if m.contentLength >= 0 && m.expectData >= n {
		m.bodyLen += uint64(n)
		m.expectData -= n
		d.plain = m.expectData
		if m.expectData <= 0 {
			s.entityEndOfData(isOrig)
		}
		return true
	}
	return false
}
