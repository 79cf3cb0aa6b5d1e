package quic

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"xsensor/analyzer/internal/streamtest"

	"xsensor/analyzer/ssl"
	"xsensor/analyzer/zeeklog"
)

// sslCompared are the ssl.log fields zeekdiff.py compares.
var sslCompared = []string{"version", "cipher", "curve", "server_name", "resumed", "next_protocol", "established"}

var tupleFields = []string{"id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"}

func key(m map[string]string) string {
	var b strings.Builder
	for _, f := range tupleFields {
		b.WriteString(m[f])
		b.WriteByte('|')
	}
	return b.String()
}

// runSSL replays a capture and returns its ssl.log records as field maps.
func runSSL(path string, ignoreChecksums bool, weirds map[string]int) []map[string]string {
	enc := zeeklog.NewEncoder(&ssl.Schema, zeeklog.TSV)
	var out []map[string]string
	var buf []byte
	emit := func(r *ssl.Record) {
		buf = ssl.AppendRecord(enc, buf[:0], r)
		vals := strings.Split(strings.TrimSuffix(string(buf), "\n"), "\t")
		m := map[string]string{}
		for i, f := range ssl.Schema.Fields {
			if i < len(vals) {
				m[f.Name] = vals[i]
			}
		}
		out = append(out, m)
	}
	replayQUIC(readUDP(path, ignoreChecksums), emit, func(name, addl string) {
		if weirds != nil {
			weirds[name]++
		}
	})
	return out
}

// TestConformance compares ssl.log with Zeek's over the QUIC cases.
func TestConformance(t *testing.T) {
	cases := quicCases()
	if len(cases) == 0 {
		t.Skipf("no QUIC conformance cases in %s", casesDir)
	}
	total, matched := 0, 0
	for _, c := range cases {
		p := filepath.Join(c.dir, "expected", "ssl.log")
		if _, err := os.Stat(p); err != nil {
			continue
		}
		exp, err := streamtest.ReadZeekLog(p)
		if err != nil {
			t.Fatal(err)
		}
		got := runSSL(c.trace, c.ignoreChecksums, nil)
		byKey := map[string][]map[string]string{}
		for _, g := range got {
			byKey[key(g)] = append(byKey[key(g)], g)
		}
		m := 0
		for _, e := range exp.Recs {
			k := key(e)
			cands := byKey[k]
			if len(cands) == 0 {
				t.Logf("%s: missing %s", filepath.Base(c.dir), k)
				continue
			}
			g := cands[0]
			byKey[k] = cands[1:]
			ok := true
			for _, f := range sslCompared {
				if e[f] != g[f] {
					ok = false
					t.Logf("%s: %s %s: want %q got %q", filepath.Base(c.dir), k, f, e[f], g[f])
				}
			}
			if ok {
				m++
			}
		}
		total += len(exp.Recs)
		matched += m
	}
	t.Logf("ssl.log over the QUIC cases: %d/%d records match", matched, total)
	if matched*100 < total*90 {
		t.Errorf("ssl.log match rate %d/%d below 90%%", matched, total)
	}
}

// TestTracesNoPanic runs every capture under zeek-traces/quic.
func TestTracesNoPanic(t *testing.T) {
	var files []string
	filepath.Walk(filepath.Join(tracesDir, "quic"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skip("no QUIC traces")
	}
	for _, f := range files {
		n := 0
		flows := replayQUIC(readUDP(f, true), func(*ssl.Record) { n++ }, nil)
		if testing.Verbose() {
			conf := 0
			for _, fl := range flows {
				if fl.q.Confirmed() {
					conf++
				}
			}
			t.Logf("%s: %d flows, %d confirmed, %d ssl records", filepath.Base(f), len(flows), conf, n)
		}
	}
}
