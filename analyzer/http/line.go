package http

// Request and status lines (HTTP_RequestLine, ParseRequest,
// HTTP_ReplyLine) and URI unescaping (unescape_URI).

func isHTTPTokenChar(c byte) bool {
	if c <= 31 || c >= 127 || c == ' ' || c == '\t' {
		return false
	}
	switch c {
	case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}':
		return false
	}
	return true
}

func isURIChar(c byte) bool {
	if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
		return true
	}
	switch c {
	case ':', '/', '?', '#', '[', ']', '@', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', // reserved
		'-', '_', '.', '~', '%': // unreserved and '%'
		return true
	}
	return false
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

// requestLine parses a request line into s.method, s.uri (unescaped) and
// s.requestVersion; false means it is not one (weird reported).
func (s *Session) requestLine(line []byte) bool {
	i := 0
	for i < len(line) && isHTTPTokenChar(line[i]) {
		i++
	}
	if i == 0 {
		if n := len(line); n >= 9 && equalFold(line[n-9:n-3], " HTTP/") {
			s.weirdf("bad_HTTP_request_with_version", "")
			return false
		}
		s.weirdf("bad_HTTP_request", "")
		return false
	}
	rest := skipWS(line[i:])
	if len(rest) == len(line)-i {
		s.weirdf("bad_HTTP_request", "")
		return false
	}
	// ParseRequest.
	e := 0
	for e < len(rest) && isURIChar(rest[e]) {
		e++
	}
	match := hasPrefix(rest, "HTTP/")
	if !match && len(rest) >= 5 && equalFold(rest[:5], "HTTP/") {
		match = true
		s.weirdf("lowercase_HTTP_keyword", "")
	}
	if e >= len(rest) && match {
		s.weirdf("missing_HTTP_uri", "")
		e = 0
	}
	endURI := e
	vs := e
	found := false
	for vs < len(rest) {
		endURI = vs
		vs += len(rest[vs:]) - len(skipWS(rest[vs:]))
		if hasPrefix(rest[vs:], "HTTP/") {
			found = true
			break
		}
		if len(rest)-vs >= 5 && equalFold(rest[vs:vs+5], "HTTP/") {
			s.weirdf("lowercase_HTTP_keyword", "")
			found = true
			break
		}
		vs++
	}
	if !found {
		s.setVersion(&s.requestVersion, version{0, 9})
	} else if vs+8 <= len(rest) {
		s.setVersion(&s.requestVersion, s.parseVersion(rest[vs+5:]))
	}
	uri := rest[:endURI]
	if s.requestVersion == (version{0, 9}) && (i < 3 || len(uri) == 0) {
		s.weirdf("bad_HTTP_request", "")
		return false
	}
	s.method = append(s.method[:0], line[:i]...)
	s.uri = s.unescapeURI(s.uri[:0], uri)
	return true
}

// parseVersion is HTTP_Version: only [0-9].[0-9] is recognised.
func (s *Session) parseVersion(b []byte) version {
	if len(b) >= 3 && '0' <= b[0] && b[0] <= '9' && b[1] == '.' && '0' <= b[2] && b[2] <= '9' {
		return version{b[0] - '0', b[2] - '0'}
	}
	return version{}
}

// replyLine parses a status line.
func (s *Session) replyLine(line []byte) (code int, reason []byte, reasonSet, ok bool) {
	if !hasPrefix(line, "HTTP/") {
		if len(line) < 5 || !equalFold(line[:5], "HTTP/") {
			return 0, nil, false, false
		}
		s.weirdf("lowercase_HTTP_keyword", "")
	}
	rest := line[5:]
	s.setVersion(&s.replyVersion, s.parseVersion(rest))
	for len(rest) > 0 && !isSpace(rest[0]) {
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return 0, nil, false, false
	}
	rest = skipWS(rest)
	if len(rest) < 3 {
		return 0, nil, false, false
	}
	if isDigit(rest[0]) && isDigit(rest[1]) && isDigit(rest[2]) {
		code = int(rest[0]-'0')*100 + int(rest[1]-'0')*10 + int(rest[2]-'0')
	}
	s.replyCode = code
	rest = rest[3:]
	for len(rest) > 0 && !isSpace(rest[0]) {
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return code, nil, false, true
	}
	return code, skipWS(rest), true, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// unescapeURI is Zeek's unescape_URI, weirds included.
func (s *Session) unescapeURI(dst, b []byte) []byte {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '%' {
			dst = append(dst, c)
			continue
		}
		i++
		switch {
		case i == len(b):
			dst = append(dst, '%')
			s.weirdf("illegal_%_at_end_of_URI", "")
			return dst
		case i+1 == len(b):
			dst = append(dst, '%', b[i])
			s.weirdf("partial_escape_at_end_of_URI", "")
			return dst
		case b[i] == '%':
			s.weirdf("double_%_in_URI", "")
			i-- // the second '%' starts over
		case isHex(b[i]) && isHex(b[i+1]):
			dst = append(dst, unhex(b[i])<<4|unhex(b[i+1]))
			i++
		case len(b)-i >= 5 && b[i] == 'u' && isHex(b[i+1]) && isHex(b[i+2]) && isHex(b[i+3]) && isHex(b[i+4]):
			if !(b[i+1] == '0' && b[i+2] == '0') {
				dst = append(dst, unhex(b[i+1])<<4|unhex(b[i+2]))
			}
			dst = append(dst, unhex(b[i+3])<<4|unhex(b[i+4]))
			i += 4
		default:
			s.weirdf("unescaped_%_in_URI", "")
			dst = append(dst, '%', b[i])
		}
	}
	return dst
}

// Detect is Zeek's HTTP DPD signatures (base/protocols/http/dpd.sig):
// for the originator, optional whitespace then GET, HEAD or POST; for the
// responder, "HTTP/" and a digit (Zeek also requires the originator's
// signature to have matched).
func Detect(isOrig bool, b []byte) bool {
	if !isOrig {
		return len(b) >= 6 && hasPrefix(b, "HTTP/") && isDigit(b[5])
	}
	for len(b) > 0 && (b[0] == ' ' || (b[0] >= '\t' && b[0] <= '\r')) {
		b = b[1:]
	}
	return hasPrefix(b, "GET") || hasPrefix(b, "HEAD") || hasPrefix(b, "POST")
}
