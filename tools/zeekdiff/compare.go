package zeekdiff

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Result is the comparison of one log type.
type Result struct {
	Log                               string // "conn.log", …
	Expected, Matched, Missing, Extra int
	Diffs                             map[string]int // differing field → records
	DiffFields                        []string       // Diffs' keys in first-seen order
	Examples                          []string       // one line per missing record or differing field
}

// CompareDirs compares every log zeekdiff.py knows (conn, dns, http, ssl)
// that exists in expectedDir with its namesake in actualDir (a missing
// actual log counts every record missing). Fields named in ignore are
// left out of the comparison.
func CompareDirs(expectedDir, actualDir string, ignore []string) ([]Result, error) {
	ign := make(map[string]bool, len(ignore))
	for _, f := range ignore {
		if f != "" {
			ign[f] = true
		}
	}
	var out []Result
	for i := range specs {
		exp := filepath.Join(expectedDir, specs[i].name)
		if _, err := os.Stat(exp); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("stat %s: %w", exp, err)
		}
		r, err := compareLog(&specs[i], exp, filepath.Join(actualDir, specs[i].name), ign)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func keyOf(r map[string]string, fields []string) []string {
	k := make([]string, len(fields))
	for i, f := range fields {
		k[i] = get(r, f)
	}
	return k
}

func get(r map[string]string, f string) string {
	if v, ok := r[f]; ok {
		return v
	}
	return "-"
}

func compareLog(spec *logSpec, expPath, actPath string, ignore map[string]bool) (Result, error) {
	res := Result{Log: spec.name, Diffs: map[string]int{}}
	exp, err := ReadLog(expPath)
	if err != nil {
		return res, err
	}
	var act []map[string]string
	if _, err := os.Stat(actPath); err == nil {
		if act, err = ReadLog(actPath); err != nil {
			return res, err
		}
	}
	pool := map[string][]map[string]string{}
	for _, r := range act {
		k := strings.Join(keyOf(r, spec.key), "\x00")
		pool[k] = append(pool[k], r)
	}
	res.Expected = len(exp)
	for _, e := range exp {
		kf := keyOf(e, spec.key)
		k := strings.Join(kf, "\x00")
		cands := pool[k]
		if len(cands) == 0 {
			res.Missing++
			res.Examples = append(res.Examples, fmt.Sprintf("missing %s record %s", spec.name, pyTupleRepr(kf)))
			continue
		}
		best := -1
		var bestBad []string
		for i, a := range cands {
			var bad []string
			for _, f := range spec.compare {
				ev, ok := e[f]
				if !ok || ignore[f] || (optionalWhenUnset[f] && ev == "-") {
					continue
				}
				if !same(f, ev, get(a, f)) {
					bad = append(bad, f)
				}
			}
			if best < 0 || len(bad) < len(bestBad) {
				best, bestBad = i, bad
			}
		}
		a := cands[best]
		pool[k] = append(cands[:best:best], cands[best+1:]...)
		if len(bestBad) == 0 {
			res.Matched++
		}
		for _, f := range bestBad {
			if _, seen := res.Diffs[f]; !seen {
				res.DiffFields = append(res.DiffFields, f)
			}
			res.Diffs[f]++
			res.Examples = append(res.Examples, fmt.Sprintf("%s %s %s: expected %s got %s",
				spec.name, pyTupleRepr(kf), f, pyRepr(e[f]), pyRepr(get(a, f))))
		}
	}
	for _, v := range pool {
		res.Extra += len(v)
	}
	return res, nil
}

// same is zeekdiff.py's same(): equal strings, or equal as numbers, or
// for NUMERIC fields close as comma-separated number lists.
func same(field, a, b string) bool {
	if a == b {
		return true
	}
	if numeric[field] {
		as, bs := strings.Split(a, ","), strings.Split(b, ",")
		if len(as) != len(bs) {
			// Python parses every value first; a parse error wins.
			for _, s := range append(as, bs...) {
				if _, ok := pyFloat(s); !ok {
					return false
				}
			}
			return false
		}
		xs := make([]float64, len(as))
		ys := make([]float64, len(bs))
		for i := range as {
			var ok1, ok2 bool
			if xs[i], ok1 = pyFloat(as[i]); !ok1 {
				return false
			}
			if ys[i], ok2 = pyFloat(bs[i]); !ok2 {
				return false
			}
		}
		for i := range xs {
			if !isClose(xs[i], ys[i]) {
				return false
			}
		}
		return true
	}
	x, ok1 := pyFloat(a)
	y, ok2 := pyFloat(b)
	return ok1 && ok2 && x == y
}

// isClose is math.isclose(x, y, rel_tol=1e-6, abs_tol=2e-6).
func isClose(x, y float64) bool {
	if x == y {
		return true
	}
	if math.IsInf(x, 0) || math.IsInf(y, 0) {
		return false
	}
	d := math.Abs(x - y)
	return d <= 1e-6*math.Abs(y) || d <= 1e-6*math.Abs(x) || d <= 2e-6
}

// Report prints results as zeekdiff.py does (one line per log, sorted by
// name, with up to 12 examples each when verbose; label prefixes each
// line) and returns the expected and matched totals.
func Report(w io.Writer, results []Result, verbose bool, label string) (expected, matched int) {
	sorted := append([]Result(nil), results...)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && sorted[j].Log < sorted[j-1].Log; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	for _, r := range sorted {
		expected += r.Expected
		matched += r.Matched
		var top []string
		for _, f := range mostCommon(r.DiffFields, r.Diffs, 4) {
			top = append(top, fmt.Sprintf("%s:%d", f, r.Diffs[f]))
		}
		differs := ""
		if len(top) > 0 {
			differs = "; differs: " + strings.Join(top, ", ")
		}
		fmt.Fprintf(w, "%s%s: %d/%d matched, %d missing, %d extra%s\n", label, r.Log, r.Matched, r.Expected, r.Missing, r.Extra, differs)
		if verbose {
			for i, x := range r.Examples {
				if i == 12 {
					break
				}
				fmt.Fprintf(w, "    %s\n", x)
			}
		}
	}
	return expected, matched
}

// ReportTotal prints zeekdiff.py's TOTAL line for a single comparison.
func ReportTotal(w io.Writer, expected, matched int) {
	pct := 100.0 * float64(matched) / float64(max(1, expected))
	fmt.Fprintf(w, "TOTAL: %d/%d records matched (%.1f%%)\n", matched, expected, pct)
}
