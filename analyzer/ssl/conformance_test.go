package ssl

import (
	"path/filepath"
	"strings"
	"testing"
	"xsensor/analyzer/internal/streamtest"
	"xsensor/tools/testenv"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/zeeklog"
)

// sslCompared are the fields zeekdiff.py compares for ssl.log.
var sslCompared = []string{"version", "cipher", "curve", "server_name", "resumed", "next_protocol", "established", "ssl_history", "last_alert", "cert_chain_fps", "client_cert_chain_fps"}

// startTLS stands in for the worker's STARTTLS handling in tests: bytes of
// a direction are dropped until a TLS handshake record starts.
type startTLS struct {
	s       *Session
	started [2]bool
}

func (t *startTLS) Data(isOrig bool, ts int64, b []byte) {
	i := 0
	if isOrig {
		i = 1
	}
	if !t.started[i] {
		for j := 0; j+6 <= len(b); j++ {
			if b[j] == 0x16 && b[j+1] == 3 && b[j+2] <= 3 && (b[j+5] == 1 || b[j+5] == 2) {
				t.started[i] = true
				b = b[j:]
				break
			}
		}
		if !t.started[i] {
			return
		}
	}
	t.s.Data(isOrig, ts, b)
}
func (t *startTLS) Gap(isOrig bool, n int)    { t.s.Gap(isOrig, n) }
func (t *startTLS) EOF(isOrig bool, ts int64) { t.s.EOF(isOrig, ts) }
func (t *startTLS) Done(ts int64)             { t.s.Done(ts) }

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
		return &startTLS{s: s}
	})
	return out
}

// TestConformance compares ssl.log with Zeek's for the conformance cases
// that have one (QUIC and DTLS cases cannot match: they are not TCP).
func TestConformance(t *testing.T) {
	cases := streamtest.CasesWith("ssl.log")
	if len(cases) == 0 {
		testenv.RequireData(t, "conformance cases", "")
	}
	var total, matched, tcpTotal, tcpMatched int
	for _, c := range cases {
		exp, err := streamtest.ReadZeekLog(filepath.Join(c.Dir, "expected", "ssl.log"))
		if err != nil {
			t.Fatal(err)
		}
		got := runCase(c.Trace, c.IgnoreChecksums, nil)
		m, _, diffs := streamtest.MatchLog(exp, got, streamtest.TupleFields, sslCompared)
		total += len(exp.Recs)
		matched += m
		if !strings.Contains(c.Dir, ".quic.") {
			tcpTotal += len(exp.Recs)
			tcpMatched += m
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
	t.Logf("ssl.log: %d/%d records match (%d/%d outside the QUIC cases)", matched, total, tcpMatched, tcpTotal)
	if tcpTotal > 0 && tcpMatched*100 < tcpTotal*80 {
		t.Errorf("ssl.log match rate %d/%d below 80%% on TCP cases", tcpMatched, tcpTotal)
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
