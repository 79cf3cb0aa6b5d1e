package zeekdiff

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	casesDir = "/work/shared/conformance/cases"
	script   = "/work/shared/conformance/zeekdiff.py"
)

func readLines(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("conformance data not available: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
}

func writeLines(t *testing.T, path string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mutateTSV applies f to each record line (split into fields) of a TSV log;
// f returns the lines to write in its place.
func mutateTSV(lines []string, f func(i int, fields []string, names []string) []string) []string {
	var names []string
	var out []string
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "#fields") {
			names = strings.Split(l, "\t")[1:]
		}
		if strings.HasPrefix(l, "#") || l == "" {
			out = append(out, l)
			continue
		}
		out = append(out, f(n, strings.Split(l, "\t"), names)...)
		n++
	}
	return out
}

// toJSON turns a TSV log into JSON lines with Zeek's types.
func toJSON(t *testing.T, lines []string) []string {
	var names, types []string
	var out []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "#fields"):
			names = strings.Split(l, "\t")[1:]
			continue
		case strings.HasPrefix(l, "#types"):
			types = strings.Split(l, "\t")[1:]
			continue
		case strings.HasPrefix(l, "#") || l == "" || names == nil:
			continue
		}
		var b bytes.Buffer
		b.WriteByte('{')
		first := true
		for i, v := range strings.Split(l, "\t") {
			if v == "-" || i >= len(names) || i >= len(types) {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			k, _ := json.Marshal(names[i])
			b.Write(k)
			b.WriteByte(':')
			switch ty := types[i]; {
			case ty == "count" || ty == "port" || ty == "int" || ty == "time" && !strings.HasPrefix(v, "X"):
				b.WriteString(v)
			case ty == "interval" || ty == "double":
				f, _ := strconv.ParseFloat(v, 64)
				b.WriteString(strconv.FormatFloat(f+1e-9, 'g', -1, 64))
			case ty == "bool":
				b.WriteString(map[string]string{"T": "true", "F": "false"}[v])
			case strings.HasPrefix(ty, "set[") || strings.HasPrefix(ty, "vector["):
				var items []string
				if v != "(empty)" {
					items = strings.Split(v, ",")
				}
				if items == nil {
					items = []string{}
				}
				j, _ := json.Marshal(items)
				b.Write(j)
			default:
				j, _ := json.Marshal(v)
				b.Write(j)
			}
		}
		b.WriteByte('}')
		out = append(out, b.String())
	}
	return out
}

func runPython(t *testing.T, args ...string) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not available")
	}
	if _, err := os.Stat(script); err != nil {
		t.Skip(err)
	}
	out, err := exec.Command(py, append([]string{script}, args...)...).Output()
	if err != nil {
		t.Fatalf("zeekdiff.py %v: %v", args, err)
	}
	return string(out)
}

func runGo(t *testing.T, exp, act string, verbose bool, ignore []string) string {
	t.Helper()
	res, err := CompareDirs(exp, act, ignore)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	e, m := Report(&b, res, verbose, "")
	ReportTotal(&b, e, m)
	return b.String()
}

// TestMatchesPython builds actual-log directories from Zeek's expected
// logs with deliberate differences and checks that the Go port prints
// exactly what zeekdiff.py prints.
func TestMatchesPython(t *testing.T) {
	type scenario struct {
		name  string
		build func(t *testing.T, exp, act string)
	}
	copyCase := func(t *testing.T, exp, c string, logs ...string) {
		for _, l := range logs {
			writeLines(t, filepath.Join(exp, l), readLines(t, filepath.Join(casesDir, c, "expected", l)))
		}
	}
	scenarios := []scenario{
		{"identical", func(t *testing.T, exp, act string) {
			copyCase(t, exp, "core.tunnels.gre", "conn.log")
			copyCase(t, act, "core.tunnels.gre", "conn.log")
		}},
		{"missing-log", func(t *testing.T, exp, act string) {
			copyCase(t, exp, "core.tunnels.gre", "conn.log")
		}},
		{"mutated-conn", func(t *testing.T, exp, act string) {
			copyCase(t, exp, "core.tunnels.gre", "conn.log")
			lines := readLines(t, filepath.Join(exp, "conn.log"))
			writeLines(t, filepath.Join(act, "conn.log"), mutateTSV(lines, func(i int, f, names []string) []string {
				switch i % 7 {
				case 0:
					return nil // missing
				case 1:
					f[15] = f[15] + "x" // history
					f[16] = "999"       // orig_pkts
				case 2:
					d, _ := strconv.ParseFloat(f[8], 64)
					f[8] = strconv.FormatFloat(d+1e-7, 'f', 7, 64) // within tolerance
					f[7] = "-"
				case 3:
					f[8] = "1.5" // duration off
					f[9] = "0952"
				case 4: // duplicate: one good, one bad candidate
					g := append([]string(nil), f...)
					g[11] = "REJ"
					return []string{strings.Join(g, "\t"), strings.Join(f, "\t")}
				case 5:
					f[3] = "1" // key change: missing + extra
				}
				return []string{strings.Join(f, "\t")}
			}))
		}},
		{"json-actual", func(t *testing.T, exp, act string) {
			copyCase(t, exp, "core.tunnels.gre", "conn.log")
			writeLines(t, filepath.Join(act, "conn.log"), toJSON(t, readLines(t, filepath.Join(exp, "conn.log"))))
		}},
		{"dns-http-ssl", func(t *testing.T, exp, act string) {
			for _, c := range []string{"core.tunnels.gre", "scripts.base.protocols.http.http-methods", "scripts.policy.protocols.ssl.certificate-request-info"} {
				entries, _ := os.ReadDir(filepath.Join(casesDir, c, "expected"))
				for _, e := range entries {
					copyCase(t, exp, c, e.Name())
				}
			}
			for _, l := range []string{"dns.log", "http.log", "ssl.log", "conn.log"} {
				lines, err := os.ReadFile(filepath.Join(exp, l))
				if err != nil {
					continue
				}
				ls := strings.Split(strings.TrimSuffix(string(lines), "\n"), "\n")
				ls = mutateTSV(ls, func(i int, f, names []string) []string {
					for j, n := range names {
						switch {
						case n == "TTLs" && f[j] != "-" && i%2 == 0:
							f[j] = f[j] + ",1.0"
						case n == "qtype_name" && i%3 == 0:
							f[j] = "XX'Y"
						case n == "uri" && i%2 == 1:
							f[j] = "/\"q\"é\x01"
						case n == "version" && i%2 == 0:
							f[j] = "TLSv13"
						case n == "history" && i%2 == 0:
							f[j] = "Dd"
						}
					}
					return []string{strings.Join(f, "\t")}
				})
				if l == "http.log" {
					writeLines(t, filepath.Join(act, l), toJSON(t, ls))
					continue
				}
				writeLines(t, filepath.Join(act, l), ls)
			}
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			exp, act := t.TempDir(), t.TempDir()
			sc.build(t, exp, act)
			for _, verbose := range []bool{false, true} {
				args := []string{exp, act}
				if verbose {
					args = append(args, "--verbose")
				}
				want := runPython(t, args...)
				if got := runGo(t, exp, act, verbose, nil); got != want {
					t.Errorf("verbose=%v:\n--- go\n%s--- python\n%s", verbose, got, want)
				}
			}
			want := runPython(t, exp, act, "--ignore", "history,duration")
			if got := runGo(t, exp, act, false, []string{"history", "duration"}); got != want {
				t.Errorf("ignore:\n--- go\n%s--- python\n%s", got, want)
			}
		})
	}
}

func TestPythonHelpers(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{1, "1.0"}, {0.1, "0.1"}, {1e16, "1e+16"}, {1.5e16, "1.5e+16"}, {1e15, "1000000000000000.0"},
		{1e-5, "1e-05"}, {0.0001, "0.0001"}, {-2.5e-7, "-2.5e-07"}, {1300475167.096535, "1300475167.096535"},
		{1e100, "1e+100"},
	} {
		if got := pyFloatRepr(tc.in); got != tc.want {
			t.Errorf("repr(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"abc", "'abc'"}, {"a'b", `"a'b"`}, {`a'"b`, `'a\'"b'`}, {"a\\b\n\x01é\u00a0", `'a\\b\n\x01é\xa0'`},
	} {
		if got := pyRepr(tc.in); got != tc.want {
			t.Errorf("pyRepr(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		s  string
		ok bool
		v  float64
	}{
		{" 1.5 ", true, 1.5}, {"1_000", true, 1000}, {"1__0", false, 0}, {"0x10", false, 0},
		{"-inf", true, 0}, {"nan", true, 0}, {"-", false, 0}, {"T", false, 0}, {"", false, 0},
	} {
		v, ok := pyFloat(tc.s)
		if ok != tc.ok || (ok && tc.v != 0 && v != tc.v) {
			t.Errorf("pyFloat(%q) = %v, %v", tc.s, v, ok)
		}
	}
}

// FuzzReadLog feeds arbitrary bytes to the log reader: it must not panic.
func FuzzReadLog(f *testing.F) {
	f.Add([]byte("#fields\ta\tb\n1\t2\n{\"a\":[1,2.5,null],\"b\":{\"c\":true}}\n"))
	f.Add([]byte("{\"x\":1e400}\r\n\xff\xfe#fields\n"))
	if raw, err := os.ReadFile(filepath.Join(casesDir, "core.tunnels.gre", "expected", "conn.log")); err == nil {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "x.log")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadLog(p); err != nil {
			t.Fatal(err)
		}
	})
}
