package zeekdiff

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// pyNumber renders a JSON number as Python's str() of what json.loads
// returns: an int printed as is, a float in repr form.
func pyNumber(lit string) (string, bool) {
	if !strings.ContainsAny(lit, ".eE") {
		n, ok := new(big.Int).SetString(lit, 10)
		if !ok {
			return "", false
		}
		return n.String(), true
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return "", false
	}
	return pyFloatRepr(f), true
}

// pyFloatRepr is Python's repr(float): shortest round-trip digits, plain
// notation for decimal exponents in [-4, 16), otherwise d.ddde±XX.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expStr, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expStr)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	sign := ""
	if neg {
		sign = "-"
	}
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := "+"
		if exp < 0 {
			es = "-"
			exp = -exp
		}
		e := strconv.Itoa(exp)
		if len(e) < 2 {
			e = "0" + e
		}
		return sign + m + "e" + es + e
	}
	point := exp + 1 // digits before the decimal point
	switch {
	case point <= 0:
		return sign + "0." + strings.Repeat("0", -point) + digits
	case point >= len(digits):
		return sign + digits + strings.Repeat("0", point-len(digits)) + ".0"
	default:
		return sign + digits[:point] + "." + digits[point:]
	}
}

// pyFloat parses s as Python's float() does (surrounding whitespace,
// underscores between digits, inf/nan words; no hex).
func pyFloat(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "xXpP") && !strings.Contains(strings.ToLower(s), "inf") {
		return 0, false
	}
	if strings.Contains(s, "_") {
		for i := 0; i < len(s); i++ {
			if s[i] == '_' && (i == 0 || i == len(s)-1 || !isDigit(s[i-1]) || !isDigit(s[i+1])) {
				return 0, false
			}
		}
		s = strings.ReplaceAll(s, "_", "")
	}
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case "nan":
		return math.NaN(), true
	case "inf", "infinity":
		if s[0] == '-' {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if strings.ContainsAny(s, "iInN") { // Go accepts forms Python does not
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// pyRepr is Python's repr() of a str.
func pyRepr(s string) string {
	quote := '\''
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteRune(quote)
	for _, r := range s {
		switch {
		case r == quote || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < ' ' || r == 0x7f:
			b.WriteString(`\x` + hex2(uint32(r)))
		case r < 0x7f:
			b.WriteRune(r)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			b.WriteString(`\x` + hex2(uint32(r)))
		case r <= 0xffff:
			b.WriteString(`\u` + hexN(uint32(r), 4))
		default:
			b.WriteString(`\U` + hexN(uint32(r), 8))
		}
	}
	b.WriteRune(quote)
	return b.String()
}

func hex2(v uint32) string { return hexN(v, 2) }

func hexN(v uint32, n int) string {
	s := strconv.FormatUint(uint64(v), 16)
	return strings.Repeat("0", n-len(s)) + s
}

// pyTupleRepr is Python's repr() of a tuple of str.
func pyTupleRepr(items []string) string {
	parts := make([]string, len(items))
	for i, s := range items {
		parts[i] = pyRepr(s)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// pyReprJSON renders a JSON object as Python's str(dict) of what
// json.loads returns (only reached for nested records, which Zeek does
// not write).
func pyReprJSON(v json.RawMessage) (string, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "", false
	}
	switch v[0] {
	case 'n':
		return "None", true
	case 't':
		return "True", true
	case 'f':
		return "False", true
	case '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "", false
		}
		return pyRepr(s), true
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(v, &items) != nil {
			return "", false
		}
		parts := make([]string, len(items))
		for i, it := range items {
			s, ok := pyReprJSON(it)
			if !ok {
				return "", false
			}
			parts[i] = s
		}
		return "[" + strings.Join(parts, ", ") + "]", true
	case '{':
		// Python keeps the object's key order; decode it in order.
		dec := json.NewDecoder(bytes.NewReader(v))
		if _, err := dec.Token(); err != nil {
			return "", false
		}
		type kv struct{ k, v string }
		var out []kv
		idx := map[string]int{}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return "", false
			}
			k, _ := t.(string)
			var raw json.RawMessage
			if dec.Decode(&raw) != nil {
				return "", false
			}
			s, ok := pyReprJSON(raw)
			if !ok {
				return "", false
			}
			if i, seen := idx[k]; seen {
				out[i].v = s
				continue
			}
			idx[k] = len(out)
			out = append(out, kv{k, s})
		}
		parts := make([]string, len(out))
		for i, p := range out {
			parts[i] = pyRepr(p.k) + ": " + p.v
		}
		return "{" + strings.Join(parts, ", ") + "}", true
	}
	return pyNumber(string(v))
}

// mostCommon returns up to n fields by count, ties in first-seen order,
// as collections.Counter.most_common does.
func mostCommon(order []string, counts map[string]int, n int) []string {
	out := append([]string(nil), order...)
	sort.SliceStable(out, func(i, j int) bool { return counts[out[i]] > counts[out[j]] })
	if len(out) > n {
		out = out[:n]
	}
	return out
}
