package zeeklog

import (
	"encoding/json"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTSVString(t *testing.T) {
	for _, tc := range []struct {
		in, want, wantSet string
	}{
		{"", "(empty)", "(empty)"},
		{"-", `\x2d`, `\x2d`},
		{"--", "--", "--"},
		{"(empty)", `\x28empty)`, `\x28empty)`},
		{"a\tb", `a\x09b`, `a\x09b`},
		{`a\b`, `a\\b`, `a\\b`},
		{"a,b", "a,b", `a\x2cb`},
		{"\x00\x1f\n", `\x00\x1f\x0a`, `\x00\x1f\x0a`},
		{"\x7f", "\x7f", "\x7f"},
		{"\xff\xc3", `\xff\xc3`, `\xff\xc3`},
		{"héllo €𝄞", "héllo €𝄞", "héllo €𝄞"},
		{"\xed\xa0\x80", `\xed\xa0\x80`, `\xed\xa0\x80`}, // a surrogate
		{"\xe2\x82", `\xe2\x82`, `\xe2\x82`},             // truncated
		{"O=SomeOrg,L=Somewhere", "O=SomeOrg,L=Somewhere", `O=SomeOrg\x2cL=Somewhere`},
	} {
		if got := string(appendTSVString(nil, tc.in, false)); got != tc.want {
			t.Errorf("TSV %q = %q, want %q", tc.in, got, tc.want)
		}
		if got := string(appendTSVString(nil, []byte(tc.in), true)); got != tc.wantSet {
			t.Errorf("TSV set element %q = %q, want %q", tc.in, got, tc.wantSet)
		}
		if tc.in != "-" {
			if got := string(AppendUnescaped(nil, []byte(tc.wantSet))); got != tc.in {
				t.Errorf("unescape %q = %q, want %q", tc.wantSet, got, tc.in)
			}
		}
	}
}

func TestJSONString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"\x01", `"\\x01"`},
		{"\xff", `"\\xff"`},
		{"héllo €", `"héllo €"`},
		{"/<>&'", `"/<>&'"`},
	} {
		got := string(appendJSONString(nil, tc.in))
		if got != tc.want {
			t.Errorf("JSON %q = %s, want %s", tc.in, got, tc.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("JSON %q = %s is not valid JSON", tc.in, got)
		}
	}
}

func TestModp6(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0.000000"},
		{3.1578310012817383, "3.157831"},
		{1300475167.096535, "1300475167.096535"},
		{zeekTime(1300475167096535000), "1300475167.096535"},
		{-1.5, "-1.500000"},
		{0.9999999, "1.000000"},
		{28.555457, "28.555457"},
		{3e9, "3.000000e+09"},
		{math.NaN(), "nan"},
	} {
		if got := string(appendModp6(nil, tc.in)); got != tc.want {
			t.Errorf("modp(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJSONDouble(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-2.5, "-2.5"},
		{0.1, "0.1"},
		{123.456, "123.456"},
		{1e20, "100000000000000000000.0"},
		{1e21, "1e21"},
		{1.5e22, "1.5e22"},
		{1e-6, "0.000001"},
		{1.25e-6, "0.00000125"},
		{1.5e-7, "1.5e-7"},
		{1e-100, "1e-100"},
		{1.7976931348623157e308, "1.7976931348623157e308"},
		{zeekTime(1300475167096535000), "1300475167.096535"},
		{zeekTime(1300475167000000000), "1300475167.0"},
		{zeekTime(1300475167100000000), "1300475167.1"},
		{math.Inf(1), "null"},
		{math.NaN(), "null"},
	} {
		if got := string(appendJSONDouble(nil, tc.in)); got != tc.want {
			t.Errorf("json(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTSVDouble(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{1, "1.0"},
		{2.5, "2.5"},
		{0.1234567, "0.123457"},
		{-3.25, "-3.25"},
		{1e10, "10000000000.0"},
	} {
		if got := string(appendTSVDouble(nil, tc.in)); got != tc.want {
			t.Errorf("tsv double(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAddr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1.2.3.4", "1.2.3.4"},
		{"::ffff:1.2.3.4", "1.2.3.4"},
		{"::", "::"},
		{"::1", "::1"},
		{"::2", "::2"},
		{"::1.2.3.4", "::1.2.3.4"},
		{"::ffff:0:1.2.3.4", "::ffff:0:1.2.3.4"},
		{"::5:0", "::0.5.0.0"},
		{"2001:db8::1", "2001:db8::1"},
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
		{"1:0:0:1:0:0:0:1", "1:0:0:1::1"},
		{"1:0:0:1:1:0:0:1", "1::1:1:0:0:1"},
		{"1::", "1::"},
		{"fe80::200:86ff:fe05:80da", "fe80::200:86ff:fe05:80da"},
		{"ff02::1:ff00:3", "ff02::1:ff00:3"},
		{"fe80::1%eth0", "fe80::1"},
	} {
		if got := string(appendAddr(nil, netip.MustParseAddr(tc.in))); got != tc.want {
			t.Errorf("addr %s = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSetsAndUnset(t *testing.T) {
	s := Schema{Path: "x", Fields: []Field{{"a", SetString}, {"b", SetString}, {"c", VectorInterval}, {"d", String}, {"e", Bool}}}
	for _, tc := range []struct {
		f    Format
		want string
	}{
		{TSV, "(empty)\t\\x2d,a\\x2cb,(empty)\t60.000000,0.500000\t-\tT\n"},
		{JSON, `{"a":[],"b":["-","a,b",""],"c":[60.0,0.5],"e":true}` + "\n"},
	} {
		e := NewEncoder(&s, tc.f)
		b := e.Begin(nil)
		b = e.SetStrings(b, nil)
		b = e.SetStrings(b, []string{"-", "a,b", ""})
		b = e.SetBegin(b)
		b = e.SetItemInterval(b, 60e9)
		b = e.SetItemInterval(b, 5e8)
		b = e.SetEnd(b)
		b = e.Unset(b)
		b = e.Bool(b, true)
		b = e.End(b)
		if string(b) != tc.want {
			t.Errorf("%v: got %q, want %q", tc.f, b, tc.want)
		}
	}
}

func TestLeadingHashEscaped(t *testing.T) {
	s := Schema{Path: "x", Fields: []Field{{"a", String}, {"b", Count}}}
	e := NewEncoder(&s, TSV)
	b := []byte("previous\n")
	b = e.Begin(b)
	b = e.String(b, "#fields")
	b = e.Count(b, 7)
	b = e.End(b)
	if want := "previous\n\\x23fields\t7\n"; string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
}

func TestFormatText(t *testing.T) {
	var f Format
	for _, s := range []string{"tsv", "json", "JSON"} {
		if err := f.UnmarshalText([]byte(s)); err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(f.String(), s) {
			t.Errorf("%s round-trips to %s", s, f)
		}
	}
	if err := f.UnmarshalText([]byte("csv")); err == nil {
		t.Error("csv accepted")
	}
	if Conn.Fields[20].Type.String() != "set[string]" || Conn.Fields[8].Type.String() != "interval" {
		t.Error("type names")
	}
}

// TestHeaderMatchesZeek compares the header block with a Zeek baseline
// (whose #open line btest masks).
func TestHeaderMatchesZeek(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(casesDir, "core.tunnels.gre", "expected", "conn.log"))
	if err != nil {
		t.Skip(err)
	}
	want := strings.Split(string(raw), "\n")[1:9]
	s := Conn
	s.Fields = s.Fields[:22]
	got := strings.Split(string(AppendHeader(nil, &s, testTime)), "\n")[:8]
	for i := range want {
		if strings.HasPrefix(want[i], "#open") {
			if got[i] != "#open\t2026-11-28-07-30-00" {
				t.Errorf("open line %q", got[i])
			}
			continue
		}
		if got[i] != want[i] {
			t.Errorf("header line %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
