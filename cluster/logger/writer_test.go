package logger

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/config"
)

func write(t *testing.T, w *Writer, from, n int) {
	t.Helper()
	if err := w.Write([]byte("conn"), zeeklog.TSV, records("x", from, n), n); err != nil {
		t.Fatal(err)
	}
}

func TestRotationArchive(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(10, 17, 5)
	o := utcOpts(dir, clk)
	o.Rotation = time.Hour
	w, err := Open(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	write(t, w, 0, 100)
	clk.Set(10, 59, 59)
	w.Rotate() // not due yet
	if st := w.Stats(); st.Rotations != 0 {
		t.Fatalf("rotated early: %+v", st)
	}
	clk.Set(11, 0, 0)
	w.Rotate()
	drain(t, w)
	archive := filepath.Join(dir, "2024-01-02", "conn.10:17:05-11:00:00.log.zst")
	got := string(unzstd(t, archive))
	want := headerOf(&zeeklog.Conn, time.Date(2024, 1, 2, 10, 17, 5, 0, time.UTC)) + string(records("x", 0, 100)) + "#close\t2024-01-02-11-00-00\n"
	if got != want {
		t.Fatalf("archive content differs:\n got %q…\nwant %q…", got[:min(len(got), 300)], want[:300])
	}
	if _, err := os.Stat(filepath.Join(dir, "conn.log")); !os.IsNotExist(err) {
		t.Errorf("conn.log still there after rotation: %v", err)
	}
	// The next batch opens a new file at 11:00:00; a write after the next
	// boundary rotates inline.
	write(t, w, 100, 10)
	clk.Set(12, 0, 1)
	write(t, w, 110, 10)
	drain(t, w)
	if b := unzstd(t, filepath.Join(dir, "2024-01-02", "conn.11:00:00-12:00:00.log.zst")); len(dataLines(b)) != 10 {
		t.Errorf("second archive has %d records, want 10", len(dataLines(b)))
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 4 { // conn.log, .logger-run, date dir... list for the message
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Logf("dir: %v", names)
	}
}

// TestRotationWaitsForCommit: with a Committed gate, a rotated file is
// archived only once a commit covers all of it.
func TestRotationWaitsForCommit(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(10, 0, 0)
	o := utcOpts(dir, clk)
	o.Rotation = time.Hour
	var commits atomic.Uint64
	o.Committed = commits.Load
	w, err := Open(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.abort()
	write(t, w, 0, 10)
	clk.Set(11, 0, 0)
	w.Rotate()
	w.archivePending(false)
	if st := w.Stats(); st.Archived != 0 || st.Pending != 1 {
		t.Fatalf("archived before any commit: %+v", st)
	}
	w.Sync() // stamps the pending file: commit 1 covers it
	w.archivePending(false)
	if st := w.Stats(); st.Archived != 0 {
		t.Fatalf("archived before the commit was persisted: %+v", st)
	}
	commits.Store(1)
	drain(t, w)
	if st := w.Stats(); st.Archived != 1 || st.Pending != 0 {
		t.Fatalf("not archived after the commit: %+v", st)
	}
}

// TestRecoverTruncates: records written after the last Sync are cut off
// at restart (they were never acknowledged), and the file is reopened
// for appending when its interval has not ended.
func TestRecoverTruncates(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(10, 0, 0)
	o := utcOpts(dir, clk)
	o.Rotation = time.Hour
	w, err := Open(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	write(t, w, 0, 10)
	cp, err := w.Sync()
	if err != nil {
		t.Fatal(err)
	}
	write(t, w, 10, 10)
	w.mu.Lock()
	w.files["conn"].sync() // make the unacknowledged bytes reach the file
	w.mu.Unlock()
	w.abort()

	clk.Set(10, 30, 0)
	w, err = Open(o, cp)
	if err != nil {
		t.Fatal(err)
	}
	write(t, w, 20, 5)
	if err := w.Close(); err != nil { // rotation on: Close archives
		t.Fatal(err)
	}
	b := unzstd(t, filepath.Join(dir, "2024-01-02", "conn.10:00:00-10:30:00.log.zst"))
	got := dataLines(b)
	want := append(dataLines(records("x", 0, 10)), dataLines(records("x", 20, 5))...)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("records after restart:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := strings.Count(string(b), "#fields"); n != 1 {
		t.Errorf("%d headers", n)
	}
	if n := strings.Count(string(b), "#close"); n != 1 {
		t.Errorf("%d #close lines", n)
	}
}

// TestLeftoversRotatedAtStart: a checkpointed file whose interval ended
// while the logger was down, a file rotated but not archived before the
// crash, an old file no checkpoint knows, and a file written after the
// last commit.
func TestLeftoversRotatedAtStart(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(10, 0, 0)
	o := utcOpts(dir, clk)
	o.Rotation = time.Hour
	o.Committed = func() uint64 { return 0 }
	w, err := Open(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	write(t, w, 0, 10)
	if err := w.Write([]byte("dns"), zeeklog.TSV, records("d", 0, 3), 3); err != nil {
		t.Fatal(err)
	}
	cp, _ := w.Sync()
	// conn: 5 more records, then rotation, crash before any commit:
	// the pending file must be cut back to the 10 committed records.
	write(t, w, 10, 5)
	clk.Set(11, 0, 0)
	w.mu.Lock()
	w.rotateLocked(w.files["conn"], clk.t)
	w.mu.Unlock()
	// weird: created after the last commit: unacknowledged.
	w.Write([]byte("weird"), zeeklog.TSV, records("w", 0, 2), 2)
	w.mu.Lock()
	w.files["weird"].sync()
	w.mu.Unlock()
	w.abort()
	// An old file nobody checkpointed.
	old := filepath.Join(dir, "http.log")
	os.WriteFile(old, []byte(headerOf(&zeeklog.Schema{Path: "http"}, time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC))+"r1\nr2\n"), 0o644)
	mt := time.Date(2024, 1, 1, 9, 30, 0, 0, time.UTC)
	os.Chtimes(old, mt, mt)

	clk.Set(12, 30, 0)
	w, err = Open(o, cp)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	st := w.Stats()
	if st.Discarded != 1 || st.Leftovers != 3 {
		t.Errorf("stats %+v, want 1 discarded (weird), 3 leftovers (conn, dns, http)", st)
	}
	conn := unzstd(t, filepath.Join(dir, "2024-01-02", "conn.10:00:00-11:00:00.log.zst"))
	if got := dataLines(conn); strings.Join(got, "\n") != strings.Join(dataLines(records("x", 0, 10)), "\n") {
		t.Errorf("conn archive has %d records, want the 10 committed", len(got))
	}
	if !strings.HasSuffix(string(conn), "#close\t2024-01-02-11-00-00\n") {
		t.Errorf("conn archive ends %q", string(conn[len(conn)-40:]))
	}
	dns := unzstd(t, filepath.Join(dir, "2024-01-02", "dns.10:00:00-11:00:00.log.zst"))
	if len(dataLines(dns)) != 3 || strings.Count(string(dns), "#close") != 1 {
		t.Errorf("dns archive: %q", dns)
	}
	http := unzstd(t, filepath.Join(dir, "2024-01-01", "http.08:00:00-09:30:00.log.zst"))
	if len(dataLines(http)) != 2 || !strings.HasSuffix(string(http), "#close\t2024-01-01-09-30-00\n") {
		t.Errorf("http archive: %q", http)
	}
	for _, n := range []string{"conn.log", "dns.log", "http.log", "weird.log"} {
		if _, err := os.Stat(filepath.Join(dir, n)); !os.IsNotExist(err) {
			t.Errorf("%s still in the log directory", n)
		}
	}
}

// TestRecoverWithoutCommit: a run that crashed before its first commit
// (no checkpoint) wrote only unacknowledged records: they are removed.
func TestRecoverWithoutCommit(t *testing.T) {
	dir := t.TempDir()
	o := utcOpts(dir, nil)
	w, err := Open(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	write(t, w, 0, 10)
	w.mu.Lock()
	w.files["conn"].sync()
	w.mu.Unlock()
	w.abort()
	w, err = Open(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if st := w.Stats(); st.Discarded != 1 {
		t.Errorf("stats %+v, want conn.log discarded", st)
	}
}

func TestArchiveNameUnique(t *testing.T) {
	dir := t.TempDir()
	a := ArchiveName("conn", time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 11, 0, 0, 0, time.UTC))
	if a != "2024-01-02/conn.10:00:00-11:00:00.log.zst" {
		t.Fatalf("ArchiveName = %q", a)
	}
	os.MkdirAll(filepath.Join(dir, "2024-01-02"), 0o755)
	os.WriteFile(filepath.Join(dir, a), nil, 0o644)
	if u := uniqueArchive(dir, a, func(string) bool { return false }); u != "2024-01-02/conn.10:00:00-11:00:00-1.log.zst" {
		t.Errorf("uniqueArchive = %q", u)
	}
	if p, ok := archiveFromPending(pendingName(a)); !ok || p != a {
		t.Errorf("pending round trip: %q %v", p, ok)
	}
}

func TestBadBatchesDropped(t *testing.T) {
	w, err := Open(utcOpts(t.TempDir(), nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Write([]byte("../etc"), zeeklog.TSV, []byte("x\n"), 1)
	w.Write([]byte("conn"), zeeklog.TSV, []byte("partial"), 1)
	write(t, w, 0, 1)
	w.Write([]byte("conn"), zeeklog.JSON, []byte("{}\n"), 1)
	if st := w.Stats(); st.Dropped != 3 || st.Records != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestOwnsLeavesOthersAlone: Writers sharing a directory (manager and
// logger) never touch each other's files at start.
func TestOwnsLeavesOthersAlone(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "notice.log")
	os.WriteFile(other, []byte("#separator \\x09\nx\n"), 0o644)
	o := utcOpts(dir, nil)
	o.Name = "logger-1"
	o.Owns = func(p string) bool { return p != "notice" }
	w, err := Open(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := os.Stat(other); err != nil {
		t.Errorf("the manager's notice.log was touched: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".logger-run.logger-1")); err != nil {
		t.Error(err)
	}
}

func TestOwner(t *testing.T) {
	c, err := config.Parse("node.cfg", []byte("[manager]\ntype=manager\nhost=127.0.0.1\n[logger-1]\ntype=logger\nhost=127.0.0.1\n[logger-2]\ntype=logger\nhost=127.0.0.1\n"), "", nil, config.LoadOptions{NumCPU: 2})
	if err != nil {
		t.Fatal(err)
	}
	m, l1, l2 := Owner(c, "manager"), Owner(c, "logger-1"), Owner(c, "logger-2")
	for _, p := range []string{"conn", "dns", "http", "ssl", "weird", "known_hosts"} {
		if m(p) || l1(p) == l2(p) {
			t.Errorf("%s: manager %v logger-1 %v logger-2 %v", p, m(p), l1(p), l2(p))
		}
	}
	if !m("notice") || l1("notice") || l2("stats") {
		t.Error("manager paths")
	}
}

// drain archives what is ready and waits for the Writer's own goroutine
// to finish any archive it started.
func drain(t *testing.T, w *Writer) {
	t.Helper()
	waitFor(t, "archives", func() bool {
		w.archivePending(false)
		return w.Stats().Pending == 0
	})
}
