package ship

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"

	"xsensor/analyzer/worker"
	"xsensor/analyzer/zeeklog"
	"xsensor/capture/pcapfile"
	"xsensor/capture/replay"
)

// connSink keeps the conn.log chunks a worker writes.
type connSink struct {
	mu   sync.Mutex
	recs []byte
}

func (s *connSink) WriteLog(sch *zeeklog.Schema, chunk []byte) error {
	if sch.Path == "conn" {
		s.mu.Lock()
		s.recs = append(s.recs, chunk...)
		s.mu.Unlock()
	}
	return nil
}

// replayConn replays each trace through its own in-process worker (as
// xsensor replay does, one worker) and returns the conn.log records and
// the workers' uid keys. Traces that do not open are skipped.
func replayConn(t *testing.T, traces []string) ([]byte, [][16]byte) {
	var sink connSink
	var keys [][16]byte
	for _, tr := range traces {
		r, err := pcapfile.Open(tr)
		if err != nil {
			continue
		}
		wo := worker.DefaultOptions()
		wo.Format = zeeklog.TSV
		w, err := worker.New(wo, &sink)
		if err != nil {
			t.Fatal(err)
		}
		ro := replay.DefaultOptions()
		ro.Pin = false
		if _, err := replay.Run(r, []*worker.Worker{w}, ro); err != nil {
			t.Logf("replay %s: %v", tr, err)
		}
		r.Close()
		keys = append(keys, w.UIDKey())
	}
	return sink.recs, keys
}

// TestConnCodecWireRatioReplay is TestConnCodecWireRatio on conn.logs
// made here by replaying traces in-process, so that the encoder knows
// the workers' uid keys as a worker node's Shipper does.
// XSENSOR_CONN_PCAPS lists comma-separated entries: a pcap, or @file
// naming a file that lists pcaps (one per line) measured as one log.
func TestConnCodecWireRatioReplay(t *testing.T) {
	env := os.Getenv("XSENSOR_CONN_PCAPS")
	if env == "" {
		t.Skip("set XSENSOR_CONN_PCAPS=a.pcap,@list.txt to measure on replayed traces")
	}
	for _, ent := range strings.Split(env, ",") {
		traces := []string{ent}
		if name, ok := strings.CutPrefix(ent, "@"); ok {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			traces = strings.Fields(string(data))
		}
		recs, keys := replayConn(t, traces)
		if len(recs) == 0 {
			t.Errorf("%s: no conn.log records", ent)
			continue
		}
		batches := batchesOf(recs, 1000)
		plain := wireBytes(t, batches, false, nil)
		cols := wireBytes(t, batches, true, nil)
		keyed := wireBytes(t, batches, true, keys)
		n := bytes.Count(recs, []byte{'\n'})
		t.Logf("%s: %d records, %d keys, raw %d B; wire plain %d B (%.2f×), columnar %d B (%.2f×), columnar+uid keys %d B (%.2f×)",
			ent, n, len(keys), len(recs), plain, float64(len(recs))/float64(plain),
			cols, float64(len(recs))/float64(cols), keyed, float64(len(recs))/float64(keyed))
	}
}
