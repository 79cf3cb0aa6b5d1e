package conncodec_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"xsensor/analyzer/worker"
	"xsensor/analyzer/zeeklog"
	"xsensor/capture/pcapfile"
	"xsensor/capture/replay"
	"xsensor/cluster/config"
	"xsensor/cluster/conncodec"
	"xsensor/cluster/logger"
	"xsensor/cluster/wire"
)

// The ratio tests ship batches through a wire Sender to a
// cluster/logger Writer (which imports this package, hence the external
// test package) and measure the bytes on TCP.

var (
	batchesOf    = conncodec.BatchesOf
	readRecords  = conncodec.ReadRecords
	connLogFiles = conncodec.ConnLogFiles
)

// TestConnCodecWireRatio measures, as bench.Ship does, the bytes a
// Sender writes to TCP for a conn.log in batches of 1000 records, with
// and without the columnar codec, against the raw record bytes.
func TestConnCodecWireRatio(t *testing.T) {
	for _, f := range connLogFiles(t) {
		recs := readRecords(t, f)
		batches := batchesOf(recs, 1000)
		plain := wireBytes(t, batches, false, nil)
		cols := wireBytes(t, batches, true, nil)
		t.Logf("%s: %d records, raw %d B; wire plain %d B (%.2f×), columnar %d B (%.2f×)", f,
			bytes.Count(recs, []byte{'\n'}), len(recs), plain, float64(len(recs))/float64(plain),
			cols, float64(len(recs))/float64(cols))
	}
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// wireBytes ships batches to a Writer-backed wire Server on loopback
// and returns the bytes the Sender wrote to TCP; it checks that the
// logger's file holds exactly the records.
func wireBytes(t *testing.T, batches [][]byte, columns bool, keys [][16]byte) int64 {
	t.Helper()
	secret := []byte("xsensor-bench-secret-0123456789")
	dir := t.TempDir()
	w, err := logger.Open(logger.Options{Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := wire.NewServer(wire.ServerOptions{Name: "logger", Role: config.Logger, Secret: secret,
		Handler: wire.HandlerFunc(func(_ *wire.Peer, m *wire.Message) error { return w.WriteBatch(m) })})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	var onWire atomic.Int64
	snd, err := wire.NewSender(wire.SenderOptions{Addr: l.Addr().String(), Name: "worker-1", Role: config.Worker, Secret: secret,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{c, &onWire}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	var enc conncodec.Encoder
	var want, body []byte
	for _, b := range batches {
		want = append(want, b...)
		m := wire.Message{Type: wire.TypeLogBatch, Stream: []byte("conn"), Path: []byte("conn"),
			Count: uint32(bytes.Count(b, []byte{'\n'})), Body: b}
		if columns {
			enc.SetUIDKeys(keys)
			out, ok := enc.Encode(body[:0], b)
			if !ok {
				t.Errorf("batch not encoded")
			} else {
				body, m.Body = out, out
				m.Format |= conncodec.FormatColumns
			}
		}
		if err := snd.Send(&m); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := snd.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	snd.Close()
	srv.Close()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readRecords(t, filepath.Join(dir, "conn.log"))
	if !bytes.Equal(got, want) {
		t.Fatalf("logger wrote %d record bytes, want %d (identical)", len(got), len(want))
	}
	return onWire.Load()
}

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
