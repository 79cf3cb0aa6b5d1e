package logger

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"xsensor/analyzer/zeeklog"
)

func TestMergeTwoSenders(t *testing.T) {
	dir := t.TempDir()
	l := listen(t, "127.0.0.1:0")
	srv := startLogger(t, dir, l)
	want := map[string]bool{}
	var wg sync.WaitGroup
	for _, name := range []string{"worker-1", "worker-2"} {
		s := newSender(t, l.Addr().String(), name)
		for b := 0; b < 20; b++ {
			for _, r := range dataLines(records(name, b*50, 50)) {
				want[r] = true
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < 20; b++ {
				sendBatch(t, s, "conn", records(name, b*50, 50), 50)
			}
			flush(t, s)
		}()
	}
	wg.Wait()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, filepath.Join(dir, "logs", "conn.log"))
	// Header block: Zeek's, with conn's fields and types.
	var hdr []string
	for _, l := range lines {
		if strings.HasPrefix(l, "#") {
			hdr = append(hdr, l)
		}
	}
	if len(hdr) != 9 || !strings.HasPrefix(hdr[8], "#close\t") {
		t.Fatalf("header/trailer lines: %q", hdr)
	}
	wantHdr := strings.Split(headerOf(&zeeklog.Conn, srv.Writer().now()), "\n")
	for i, h := range hdr[:8] {
		if i == 5 { // #open
			if !strings.HasPrefix(h, "#open\t") {
				t.Errorf("line %d = %q, want #open", i, h)
			}
			continue
		}
		if h != wantHdr[i] {
			t.Errorf("header line %d = %q, want %q", i, h, wantHdr[i])
		}
	}
	countEach(t, dataLines([]byte(strings.Join(lines, "\n"))), want)
	if st := srv.Writer().Stats(); st.Records != uint64(len(want)) {
		t.Errorf("Stats.Records = %d, want %d", st.Records, len(want))
	}
}

// TestCrashNoLossNoDup kills the logger (no final commit, buffers lost)
// twice while two senders stream, restarts it on the same port, and
// checks each record is in conn.log exactly once.
func TestCrashNoLossNoDup(t *testing.T) {
	dir := t.TempDir()
	l := listen(t, "127.0.0.1:0")
	addr := l.Addr().String()
	srv := startLogger(t, dir, l)
	const batches, per = 300, 20
	want := map[string]bool{}
	var wg sync.WaitGroup
	for _, name := range []string{"worker-1", "worker-2"} {
		s := newSender(t, addr, name)
		for _, r := range dataLines(records(name, 0, batches*per)) {
			want[r] = true
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < batches; b++ {
				sendBatch(t, s, "conn", records(name, b*per, per), per)
				if b%20 == 0 {
					sleepMS(1)
				}
			}
			flush(t, s)
		}()
	}
	for crash := 1; crash <= 2; crash++ {
		waitFor(t, "progress", func() bool { return srv.Wire().Stats().Frames > uint64(150*crash) })
		srv.crash()
		srv = startLogger(t, dir, listen(t, addr))
	}
	wg.Wait()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "logs", "conn.log"))
	if err != nil {
		t.Fatal(err)
	}
	countEach(t, dataLines(b), want)
	if n := strings.Count(string(b), "#fields"); n != 1 {
		t.Errorf("%d header blocks, want 1", n)
	}
}
