package zeekdiff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

// ReadLog reads a Zeek TSV log (fields named by its #fields line) or a
// JSON-lines log into records of normalised strings. Lines it cannot
// parse are skipped, as zeekdiff.py skips them.
func ReadLog(path string) ([]map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read log %s: %w", path, err)
	}
	// Python reads the file as text: invalid UTF-8 becomes U+FFFD and
	// \r\n or a lone \r ends a line.
	text := decodeReplace(raw)
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")

	var recs []map[string]string
	var fields []string
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			continue
		}
		if line[0] == '{' {
			if r, ok := parseJSONRecord(line); ok {
				recs = append(recs, r)
			}
			continue
		}
		if line[0] == '#' {
			if strings.HasPrefix(line, "#fields") {
				fields = strings.Split(line, "\t")[1:]
			}
			continue
		}
		if len(fields) > 0 {
			vals := strings.Split(line, "\t")
			r := make(map[string]string, len(fields))
			for i := 0; i < len(fields) && i < len(vals); i++ {
				r[fields[i]] = vals[i]
			}
			recs = append(recs, r)
		}
	}
	return recs, nil
}

func parseJSONRecord(line string) (map[string]string, bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &obj); err != nil || obj == nil {
		return nil, false
	}
	r := make(map[string]string, len(obj))
	for k, v := range obj {
		s, ok := norm(v)
		if !ok {
			return nil, false
		}
		r[k] = s
	}
	return r, true
}

// norm renders a JSON value as zeekdiff.py's norm() does.
func norm(v json.RawMessage) (string, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "", false
	}
	switch v[0] {
	case 'n':
		return "-", true
	case 't':
		return "T", true
	case 'f':
		return "F", true
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", false
		}
		return s, true
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(v, &items); err != nil {
			return "", false
		}
		if len(items) == 0 {
			return "(empty)", true
		}
		parts := make([]string, len(items))
		for i, it := range items {
			s, ok := norm(it)
			if !ok {
				return "", false
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), true
	case '{':
		return pyReprJSON(v)
	}
	return pyNumber(string(v))
}

// decodeReplace decodes b as UTF-8 the way Python's errors='replace'
// does: each maximal ill-formed subsequence becomes one U+FFFD.
func decodeReplace(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 16)
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			sb.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			sb.Write(b[i : i+size])
			i += size
			continue
		}
		need, lo, hi := 0, byte(0x80), byte(0xBF)
		switch {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c == 0xE0:
			need, lo = 2, 0xA0
		case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
			need = 2
		case c == 0xED:
			need, hi = 2, 0x9F
		case c == 0xF0:
			need, lo = 3, 0x90
		case c >= 0xF1 && c <= 0xF3:
			need = 3
		case c == 0xF4:
			need, hi = 3, 0x8F
		}
		n := 1
		for k := 0; k < need && i+n < len(b); k++ {
			x := b[i+n]
			if (k == 0 && (x < lo || x > hi)) || (k > 0 && (x < 0x80 || x > 0xBF)) {
				break
			}
			n++
		}
		sb.WriteRune(utf8.RuneError)
		i += n
	}
	return sb.String()
}
