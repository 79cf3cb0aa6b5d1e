package main

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"xsensor/tools/testenv"
)

// TestReplayAllTraces replays every file of Zeek's trace collection
// (malformed and exotic ones included) with two workers. None may panic or
// hang; a file that is not a capture must give one clear error line.
func TestReplayAllTraces(t *testing.T) {
	s := testenv.SharedDir()
	dir := filepath.Join(s, "zeek-traces")
	if s == "" {
		dir = ""
	}
	testenv.RequireData(t, "Zeek trace collection", dir)
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 100 {
		t.Fatalf("only %d files under %s", len(files), dir)
	}
	var replayed, refused int
	for _, f := range files {
		out := t.TempDir()
		errc := make(chan error, 1)
		go func() { errc <- runReplay([]string{"-r", f, "-o", out, "-w", "2", "-q"}) }()
		select {
		case err := <-errc:
			if err == nil {
				replayed++
				continue
			}
			refused++
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, filepath.Base(f)) {
				t.Errorf("%s: error is not one line naming the file: %q", f, msg)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: replay hung for 60s", f)
		}
	}
	t.Logf("%d files: %d replayed, %d refused as not a capture", len(files), replayed, refused)
}
