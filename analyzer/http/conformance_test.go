package http

import (
	"path/filepath"
	"strings"
	"testing"
	"xsensor/analyzer/internal/streamtest"
	"xsensor/tools/testenv"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/zeeklog"
)

// httpCompared are the fields zeekdiff.py compares for http.log.
var httpCompared = []string{"method", "host", "uri", "version", "user_agent", "request_body_len",
	"response_body_len", "status_code", "status_msg"}

// runCase replays a capture through Sessions and returns the produced
// records as field maps (through AppendRecord in TSV).
func runCase(path string, ignoreChecksums bool, weirds map[string]int) []map[string]string {
	enc := zeeklog.NewEncoder(&Schema, zeeklog.TSV)
	var out []map[string]string
	var buf []byte
	streamtest.Replay(path, ignoreChecksums, func(id conn.ID) streamtest.Feeder {
		s := &Session{}
		s.Reset(id, func(r *Record) {
			buf = AppendRecord(enc, buf[:0], r)
			vals := strings.Split(strings.TrimSuffix(string(buf), "\n"), "\t")
			m := map[string]string{}
			for i, f := range Schema.Fields {
				if i < len(vals) {
					m[f.Name] = vals[i]
				}
			}
			out = append(out, m)
		}, func(name, addl string) {
			if weirds != nil {
				weirds[name]++
			}
		})
		return s
	})
	return out
}

// TestConformance compares http.log with Zeek's for every conformance
// case that has one.
func TestConformance(t *testing.T) {
	cases := streamtest.CasesWith("http.log")
	if len(cases) == 0 {
		testenv.RequireData(t, "conformance cases", "")
	}
	var total, matched, strictTotal, strictMatched int
	for _, c := range cases {
		exp, err := streamtest.ReadZeekLog(filepath.Join(c.Dir, "expected", "http.log"))
		if err != nil {
			t.Fatal(err)
		}
		got := runCase(c.Trace, c.IgnoreChecksums, nil)
		m, strict, diffs := streamtest.MatchLog(exp, got, append(streamtest.TupleFields, "trans_depth"), httpCompared)
		total += len(exp.Recs)
		matched += m
		if strict {
			strictTotal += len(exp.Recs)
			strictMatched += m
		}
		if m < len(exp.Recs) && testing.Verbose() {
			t.Logf("%s: %d/%d", filepath.Base(c.Dir), m, len(exp.Recs))
			for i, d := range diffs {
				if i == 6 {
					break
				}
				t.Logf("    %s", d)
			}
		}
	}
	t.Logf("http.log: %d/%d records match (%d/%d where the baseline has the tuple)", matched, total, strictMatched, strictTotal)
	if total > 0 && matched*100 < total*85 {
		t.Errorf("http.log match rate %d/%d below 85%%", matched, total)
	}
}

// TestTracesNoPanic feeds every TCP stream of Zeek's traces to Sessions.
func TestTracesNoPanic(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	n := 0
	for _, f := range streamtest.TraceFiles(t) {
		n++
		streamtest.Replay(f, true, func(id conn.ID) streamtest.Feeder {
			s := &Session{}
			s.Reset(id, func(*Record) {}, nil)
			return s
		})
	}
	t.Logf("%d captures replayed", n)
}
