package zeeklog

const hexDigits = "0123456789abcdef"

// text is what the string encoders accept without converting (and so
// without allocating).
type text interface{ ~string | ~[]byte }

// utf8SeqLen returns the length of the well-formed UTF-8 sequence of two
// or more bytes starting at s[i], or 0 when s[i] does not start one. It
// follows the Unicode table Zeek's isLegalUTF8Sequence uses: no overlong
// forms, no surrogates, nothing above U+10FFFF.
func utf8SeqLen[S text](s S, i int) int {
	n := len(s) - i
	c := s[i]
	cont := func(j int, lo, hi byte) bool { return s[i+j] >= lo && s[i+j] <= hi }
	switch {
	case c >= 0xC2 && c <= 0xDF:
		if n >= 2 && cont(1, 0x80, 0xBF) {
			return 2
		}
	case c == 0xE0:
		if n >= 3 && cont(1, 0xA0, 0xBF) && cont(2, 0x80, 0xBF) {
			return 3
		}
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		if n >= 3 && cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) {
			return 3
		}
	case c == 0xED:
		if n >= 3 && cont(1, 0x80, 0x9F) && cont(2, 0x80, 0xBF) {
			return 3
		}
	case c == 0xF0:
		if n >= 4 && cont(1, 0x90, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) {
			return 4
		}
	case c >= 0xF1 && c <= 0xF3:
		if n >= 4 && cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) {
			return 4
		}
	case c == 0xF4:
		if n >= 4 && cont(1, 0x80, 0x8F) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) {
			return 4
		}
	}
	return 0
}

func appendHexEscape(b []byte, c byte) []byte {
	return append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
}

// appendTSVString appends s as Zeek's Ascii formatter writes a string or
// enum value with LogAscii::enable_utf_8=T. inSet selects the escaping of
// the set separator, active while a set or vector is written.
func appendTSVString[S text](b []byte, s S, inSet bool) []byte {
	switch {
	case len(s) == 0:
		return append(b, emptyField...)
	case len(s) == 1 && s[0] == '-':
		// escapeReservedContent: the unset marker itself.
		return append(b, `\x2d`...)
	case len(s) == len(emptyField) && string(s) == emptyField:
		return append(b, `\x28empty)`...)
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == ',' && inSet:
			b = appendHexEscape(b, c)
		case c < 0x20:
			// Tab (the separator) and every other control byte.
			b = appendHexEscape(b, c)
		case c < 0x80:
			b = append(b, c)
		default:
			n := utf8SeqLen(s, i)
			if n == 0 {
				b = appendHexEscape(b, c)
				break
			}
			b = append(b, s[i:i+n]...)
			i += n
			continue
		}
		i++
	}
	return b
}

// appendJSONString appends s as a quoted JSON string the way Zeek's JSON
// formatter does: json_escape_utf8 turns control bytes other than
// \b \f \n \r \t and bytes that are not valid UTF-8 into the text \xHH,
// then rapidjson escapes quotes, backslashes (so those read \\xHH) and the
// remaining control characters.
func appendJSONString[S text](b []byte, s S) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			b = append(b, '\\', '"')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\')
			b = appendHexEscape(b, c)
		case c < 0x80:
			b = append(b, c)
		default:
			n := utf8SeqLen(s, i)
			if n == 0 {
				b = append(b, '\\')
				b = appendHexEscape(b, c)
				break
			}
			b = append(b, s[i:i+n]...)
			i += n
			continue
		}
		i++
	}
	return append(b, '"')
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// AppendUnescaped appends the bytes a TSV string field stands for:
// "(empty)" is the empty string, \xHH a byte and \\ a backslash. It is the
// inverse of the TSV string encoding (Zeek's own reader only undoes \xHH).
// The unset marker "-" is returned as is; callers check for it first.
func AppendUnescaped(dst, field []byte) []byte {
	if string(field) == emptyField {
		return dst
	}
	for i := 0; i < len(field); i++ {
		c := field[i]
		if c == '\\' && i+1 < len(field) {
			if field[i+1] == '\\' {
				dst = append(dst, '\\')
				i++
				continue
			}
			if field[i+1] == 'x' && i+3 < len(field) {
				hi, ok1 := unhex(field[i+2])
				lo, ok2 := unhex(field[i+3])
				if ok1 && ok2 {
					dst = append(dst, hi<<4|lo)
					i += 3
					continue
				}
			}
		}
		dst = append(dst, c)
	}
	return dst
}
