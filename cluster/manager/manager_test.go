package manager

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/config"
	"xsensor/cluster/logger"
	"xsensor/cluster/wire"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func startManager(t *testing.T, dir string, writeLogs bool, now func() time.Time) (*Manager, string) {
	t.Helper()
	m, err := New(Config{
		Logger: logger.Config{Name: "manager", Role: config.Manager, Secret: secret,
			StateDir: filepath.Join(dir, "state"), CommitInterval: 5 * time.Millisecond,
			Writer: logger.Options{Dir: filepath.Join(dir, "logs"), Schemas: logger.DefaultSchemas(), Location: time.UTC}},
		Format: zeeklog.TSV, WriteLogs: writeLogs, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go m.Serve(l)
	return m, l.Addr().String()
}

func sender(t *testing.T, addr, name string, role config.Role, onMsg func(*wire.Message)) *wire.Sender {
	t.Helper()
	s, err := wire.NewSender(wire.SenderOptions{Addr: addr, Name: name, Role: role, Secret: secret,
		BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond, OnMessage: onMsg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func flush(t *testing.T, s *wire.Sender) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func sendNotice(t *testing.T, s *wire.Sender, peer string, ts int64) {
	t.Helper()
	n := Notice{TS: ts, Note: "Scan::Port_Scan", Msg: "10.0.0.1 scanned at least 15 unique ports of host 10.0.0.2 in 0m1s",
		Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), PeerDescr: peer,
		Identifier: "10.0.0.1", SuppressFor: time.Hour}
	body := AppendNotice(zeeklog.NewEncoder(&NoticeSchema, zeeklog.TSV), nil, &n)
	if err := s.Send(&wire.Message{Type: wire.TypeNotice, TS: ts, Note: []byte(n.Note), Identifier: []byte(n.Identifier),
		SuppressFor: int64(n.SuppressFor), Body: body}); err != nil {
		t.Fatal(err)
	}
}

func dataLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func TestNoticeSuppressedAcrossNodes(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: time.Unix(1700000000, 0)}
	m, addr := startManager(t, dir, false, clk.Now)
	w1 := sender(t, addr, "worker-1", config.Worker, nil)
	w2 := sender(t, addr, "worker-2", config.Worker, nil)
	sendNotice(t, w1, "worker-1", 1e18)
	flush(t, w1)
	sendNotice(t, w2, "worker-2", 1e18+5e9)
	flush(t, w2)
	clk.Add(59 * time.Minute)
	sendNotice(t, w1, "worker-1", 1e18+10e9)
	flush(t, w1)
	clk.Add(2 * time.Minute) // interval over
	sendNotice(t, w2, "worker-2", 1e18+20e9)
	flush(t, w2)
	if st := m.Stats(); st.Notices != 2 || st.Suppressed != 2 {
		t.Errorf("stats %+v, want 2 logged, 2 suppressed", st)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	lines := dataLines(t, filepath.Join(dir, "logs", "notice.log"))
	if len(lines) != 2 {
		t.Fatalf("notice.log has %d records, want 2:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	want := "1000000000.000000\t-\t-\t-\t-\t-\t-\t-\t-\t-\tScan::Port_Scan\t10.0.0.1 scanned at least 15 unique ports of host 10.0.0.2 in 0m1s\t-\t10.0.0.1\t10.0.0.2\t-\t-\tworker-1\tNotice::ACTION_LOG\t(empty)\t3600.000000\t-\t-\t-\t-\t-"
	if lines[0] != want {
		t.Errorf("record\n got %q\nwant %q", lines[0], want)
	}
	if !strings.Contains(lines[1], "\tworker-2\t") {
		t.Errorf("second notice: %q", lines[1])
	}
	hdr, _ := os.ReadFile(filepath.Join(dir, "logs", "notice.log"))
	if !strings.Contains(string(hdr), "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tfuid\tfile_mime_type\tfile_desc\tproto\tnote\tmsg\tsub\tsrc\tdst\tp\tn\tpeer_descr\tactions\temail_dest\tsuppress_for\tremote_location.country_code") {
		t.Error("notice.log #fields differ from Zeek's")
	}
}

func TestNoIdentifierNeverSuppressed(t *testing.T) {
	var s suppressor
	for i := 0; i < 3; i++ {
		if !s.allow([]byte("N"), nil, time.Hour, int64(i)) {
			t.Fatal("suppressed without identifier")
		}
	}
	if !s.allow([]byte("N"), []byte("a"), time.Hour, 0) || s.allow([]byte("N"), []byte("a"), time.Hour, 1) {
		t.Fatal("identifier not suppressed")
	}
	if !s.allow([]byte("M"), []byte("a"), time.Hour, 1) {
		t.Fatal("other note suppressed")
	}
	if !s.allow([]byte("N"), []byte("a"), time.Hour, int64(time.Hour)) {
		t.Fatal("still suppressed after the interval")
	}
}

func TestStatsAndCaptureLoss(t *testing.T) {
	dir := t.TempDir()
	m, addr := startManager(t, dir, false, nil)
	w := sender(t, addr, "worker-1", config.Worker, nil)
	lag := int64(1500 * time.Millisecond)
	ns := NodeStats{PID: 4242, Started: time.Now().UnixNano(), Peers: []string{"manager", "proxy-1"},
		Mem: U(120), PktsProc: U(1000), BytesRecv: U(64000), PktsDropped: U(3), PktLag: &lag,
		ActiveTCPConns: U(7), TCPConns: U(70)}
	ts := int64(1700000000123456000)
	w.Send(&wire.Message{Type: wire.TypeStats, TS: ts, Path: []byte(PathStats), Body: ns.Marshal()})
	cl := CaptureLoss{TSDelta: int64(15 * time.Minute), Gaps: 5, Acks: 1000, PercentLost: 0.5}
	w.Send(&wire.Message{Type: wire.TypeStats, TS: ts, Path: []byte(PathCaptureLoss), Body: cl.Marshal()})
	w.Send(&wire.Message{Type: wire.TypeStats, TS: ts, Path: []byte(PathStats), Body: []byte("{not json")})
	flush(t, w)

	// Status from the control tool.
	got := make(chan []byte, 1)
	ctl := sender(t, addr, "ctl", config.Control, func(msg *wire.Message) {
		if msg.Type == wire.TypeStatusResponse && msg.ID == 7 {
			got <- append([]byte(nil), msg.Body...)
		}
	})
	for deadline := time.Now().Add(10 * time.Second); !ctl.Connected() && time.Now().Before(deadline); {
		time.Sleep(2 * time.Millisecond)
	}
	if err := ctl.SendControl(&wire.Message{Type: wire.TypeStatusRequest, ID: 7}); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-got:
		st, err := ParseStatus(b)
		if err != nil {
			t.Fatal(err)
		}
		if st.Node.Name != "manager" || st.Node.Role != "manager" || st.Node.PID != os.Getpid() {
			t.Errorf("self: %+v", st.Node)
		}
		var found bool
		for _, n := range st.Nodes {
			if n.Name == "worker-1" {
				found = true
				if n.Role != "worker" || n.PID != 4242 || !n.Connected || len(n.Peers) != 2 || n.UptimeSec < 0 {
					t.Errorf("worker-1: %+v", n)
				}
			}
			if n.Name == "ctl" {
				t.Error("control tool listed as a node")
			}
		}
		if !found {
			t.Errorf("worker-1 missing: %+v", st.Nodes)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no status response")
	}
	if st := m.Stats(); st.StatsRecords != 2 || st.BadStats != 1 {
		t.Errorf("stats %+v", st)
	}
	m.Close()
	stats := dataLines(t, filepath.Join(dir, "logs", "stats.log"))
	want := "1700000000.123456\tworker-1\t120\t1000\t64000\t3\t-\t1.500000\t-\t-\t-\t7\t-\t-\t70\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-"
	if len(stats) != 1 || stats[0] != want {
		t.Errorf("stats.log:\n got %q\nwant %q", stats, want)
	}
	loss := dataLines(t, filepath.Join(dir, "logs", "capture_loss.log"))
	if want := "1700000000.123456\t900.000000\tworker-1\t5\t1000\t0.5"; len(loss) != 1 || loss[0] != want {
		t.Errorf("capture_loss.log:\n got %q\nwant %q", loss, want)
	}
}

func TestManagerAsLogger(t *testing.T) {
	dir := t.TempDir()
	m, addr := startManager(t, dir, true, nil)
	w := sender(t, addr, "worker-1", config.Worker, nil)
	w.Send(&wire.Message{Type: wire.TypeLogBatch, Stream: []byte("conn"), Path: []byte("conn"), Count: 2, Body: []byte("a\nb\n")})
	flush(t, w)
	m.Close()
	if l := dataLines(t, filepath.Join(dir, "logs", "conn.log")); len(l) != 2 {
		t.Errorf("conn.log: %q", l)
	}
	// Not the logger: batches are dropped and counted.
	dir2 := t.TempDir()
	m2, addr2 := startManager(t, dir2, false, nil)
	w2 := sender(t, addr2, "worker-1", config.Worker, nil)
	w2.Send(&wire.Message{Type: wire.TypeLogBatch, Stream: []byte("conn"), Count: 1, Body: []byte("a\n")})
	flush(t, w2)
	if st := m2.Stats(); st.Misrouted != 1 {
		t.Errorf("stats %+v", st)
	}
	m2.Close()
}

func FuzzParseNodeStats(f *testing.F) {
	lag := int64(5)
	f.Add((&NodeStats{PID: 1, Mem: U(5), PktLag: &lag, Peers: []string{"a"}}).Marshal())
	f.Add([]byte(`{"pkts_proc":18446744073709551615,"pkt_lag":-1}`))
	f.Add([]byte(`{"mem":-1}`))
	f.Add([]byte(`{"ts_delta":1,"gaps":2,"acks":3,"percent_lost":1e308}`))
	f.Add([]byte(`[]`))
	statsEnc := zeeklog.NewEncoder(&StatsSchema, zeeklog.TSV)
	lossEnc := zeeklog.NewEncoder(&CaptureLossSchema, zeeklog.JSON)
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := ParseNodeStats(b); err == nil {
			rec := AppendStats(statsEnc, nil, 1, s.Peer, s)
			if strings.Count(string(rec), "\t") != len(StatsSchema.Fields)-1 {
				t.Fatalf("record %q has the wrong number of fields", rec)
			}
		}
		if c, err := ParseCaptureLoss(b); err == nil {
			AppendCaptureLoss(lossEnc, nil, 1, c.Peer, c)
		}
	})
}
