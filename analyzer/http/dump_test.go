package http

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"xsensor/analyzer/conn"
	"xsensor/analyzer/internal/streamtest"
)

// TestDump prints the records produced for one case (XS_CASE=name) with
// the weirds seen: a debugging aid, skipped otherwise.
func TestDump(t *testing.T) {
	name := os.Getenv("XS_CASE")
	if name == "" {
		t.Skip("set XS_CASE")
	}
	c := filepath.Join(streamtest.CasesDir, name)
	w := map[string]int{}
	for _, r := range runCase(filepath.Join(c, "trace.pcap"), true, w) {
		var vals []string
		for _, f := range Schema.Fields[2:20] {
			vals = append(vals, r[f.Name])
		}
		t.Log(strings.Join(vals, " | "))
	}
	t.Log(w)
}

type printer struct {
	t *testing.T
	n map[bool]int
}

func (p *printer) Data(isOrig bool, ts int64, b []byte) {
	if p.n[isOrig] < 3000 {
		p.t.Logf("%v %q", isOrig, b[:min(len(b), 300)])
	}
	p.n[isOrig] += len(b)
}
func (p *printer) Gap(isOrig bool, n int)    { p.t.Log("gap", isOrig, n) }
func (p *printer) EOF(isOrig bool, ts int64) { p.t.Log("eof", isOrig, p.n[isOrig]) }
func (p *printer) Done(ts int64)             { p.t.Log("done", p.n) }

// TestStreamDump prints the reassembled streams of one case (XS_CASE).
func TestStreamDump(t *testing.T) {
	name := os.Getenv("XS_CASE")
	if name == "" {
		t.Skip("set XS_CASE")
	}
	streamtest.Replay(filepath.Join(streamtest.CasesDir, name, "trace.pcap"), true, func(id conn.ID) streamtest.Feeder {
		t.Log("conn", id.OrigH, id.OrigP, id.RespH, id.RespP)
		return &printer{t: t, n: map[bool]int{}}
	})
}
