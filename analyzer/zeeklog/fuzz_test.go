package zeeklog

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzEscape checks that TSV string escaping round-trips through
// AppendUnescaped, never emits a raw separator or newline (or set
// separator inside sets), and that JSON escaping always yields a valid
// JSON string that decodes to the input when the input is clean UTF-8.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{
		"", "-", "(empty)", "a\tb", `a\b`, "a,b", "\x00\xff", "héllo", "\\x41", "#x",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\"quoted\"\n",
	} {
		f.Add([]byte(s))
	}
	// A few bytes of real traces: binary payloads as strings.
	traces, _ := filepath.Glob("/work/shared/zeek-traces/*.pcap")
	for i, p := range traces {
		if i >= 8 {
			break
		}
		if raw, err := os.ReadFile(p); err == nil && len(raw) > 100 {
			f.Add(raw[40:100])
		}
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		for _, inSet := range []bool{false, true} {
			enc := appendTSVString(nil, s, inSet)
			if bytes.ContainsAny(enc, "\t\n") || (inSet && bytes.IndexByte(enc, ',') >= 0) {
				t.Fatalf("%q (set %v) escaped to %q", s, inSet, enc)
			}
			if string(s) == "-" {
				continue
			}
			if dec := AppendUnescaped(nil, enc); !bytes.Equal(dec, s) {
				t.Fatalf("%q (set %v) -> %q -> %q", s, inSet, enc, dec)
			}
		}
		j := appendJSONString(nil, s)
		var dec string
		if err := json.Unmarshal(j, &dec); err != nil {
			t.Fatalf("%q -> invalid JSON %s: %v", s, j, err)
		}
		clean := utf8.Valid(s)
		for _, c := range s {
			if c < 0x20 && c != '\b' && c != '\f' && c != '\n' && c != '\r' && c != '\t' {
				clean = false
			}
		}
		if clean && dec != string(s) {
			t.Fatalf("%q -> %s -> %q", s, j, dec)
		}
	})
}
