package http

// equalFold reports whether b equals the ASCII string s ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if 'a' <= d && d <= 'z' {
			d -= 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// prefixFold reports whether the first len(b) bytes of s equal b ignoring
// case (C's strncasecmp(b, s, len(b)) == 0, as Zeek compares methods).
func prefixFold(b []byte, s string) bool {
	if len(b) > len(s) {
		// strncasecmp stops at s's NUL: it differs there.
		return false
	}
	return equalFold(b, s[:len(b)])
}

func appendUpper(dst, b []byte) []byte {
	for _, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// version is an HTTP version number; the zero value is Zeek's unset one.
type version struct{ major, minor uint8 }

// appendVersion formats v as Zeek's fmt("%.1f", major + minor/10).
func appendVersion(dst []byte, v version) []byte {
	if v.major >= 10 {
		dst = append(dst, '0'+v.major/10)
	}
	return append(dst, '0'+v.major%10, '.', '0'+v.minor)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func skipWS(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

// atoiN is Zeek's util::atoi_n: an optional '-', then digits of the base
// until the first non-digit (none at all fails, except for an empty
// input, which is 0). Overflow wraps as in Zeek.
func atoiN(b []byte, base int64) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		b = b[1:]
	}
	var n int64
	for i, c := range b {
		var d int64
		switch {
		case '0' <= c && c <= '9':
			d = int64(c - '0')
		case base > 10 && 'a' <= c && int64(c) < 'a'-10+base:
			d = int64(c-'a') + 10
		case base > 10 && 'A' <= c && int64(c) < 'A'-10+base:
			d = int64(c-'A') + 10
		default:
			if i > 0 {
				goto done
			}
			return 0, false
		}
		n = n*base + d
	}
done:
	if neg {
		n = -n
	}
	return n, true
}

// MIME token helpers (src/analyzer/protocol/mime/MIME.cc).

func isTSpecial(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=':
		return true
	}
	return false
}

func isTokenChar(c byte) bool { return c >= 33 && c <= 126 && !isTSpecial(c) }

// skipLWSComments skips blanks and (nested) comments.
func skipLWSComments(b []byte) int {
	i := 0
	for i < len(b) {
		switch {
		case isSpace(b[i]):
			i++
		case b[i] == '(':
			par := 0
			j := i
			for ; j < len(b); j++ {
				if b[j] == '(' {
					par++
				} else if b[j] == ')' {
					par--
					if par == 0 {
						j++
						break
					}
				} else if b[j] == '\\' {
					j++
				}
			}
			if j > len(b) {
				j = len(b)
			}
			i = j
		default:
			return i
		}
	}
	return len(b)
}

// firstToken is MIME_get_token: the first token of a header value, or nil.
func firstToken(b []byte) ([]byte, []byte) {
	i := skipLWSComments(b)
	for i < len(b) {
		if isTokenChar(b[i]) {
			j := i
			for j < len(b) && isTokenChar(b[j]) {
				j++
			}
			return b[i:j], b[j:]
		}
		j := skipLWSComments(b[i:])
		if j > 0 {
			i += j
		} else {
			i++
		}
	}
	return nil, nil
}

var b64 = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(a); i++ {
		t[a[i]] = int8(i)
	}
	return
}()

// decodeBase64 decodes leniently: characters outside the alphabet are
// skipped, decoding stops at '='.
func decodeBase64(dst, src []byte) []byte {
	var acc uint32
	n := 0
	for _, c := range src {
		if c == '=' {
			break
		}
		v := b64[c]
		if v < 0 {
			continue
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			dst = append(dst, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	switch n {
	case 2:
		dst = append(dst, byte(acc>>4))
	case 3:
		dst = append(dst, byte(acc>>10), byte(acc>>2))
	}
	return dst
}
