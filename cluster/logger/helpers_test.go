package logger

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/config"
	"xsensor/cluster/wire"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

// fakeClock is a settable clock for rotation tests.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time      { return c.t }
func (c *fakeClock) Set(h, m, s int)     { c.t = time.Date(2024, 1, 2, h, m, s, 0, time.UTC) }
func (c *fakeClock) Add(d time.Duration) { c.t = c.t.Add(d) }
func newClock(h, m, s int) *fakeClock    { c := &fakeClock{}; c.Set(h, m, s); return c }
func utcOpts(dir string, c *fakeClock) Options {
	o := Options{Dir: dir, Schemas: DefaultSchemas(), Location: time.UTC}
	if c != nil {
		o.Now = c.Now
	}
	return o
}

// records returns n conn-like TSV records tagged with tag.
func records(tag string, from, n int) []byte {
	var b []byte
	for i := from; i < from+n; i++ {
		b = fmt.Appendf(b, "%d.000000\tC%s%d\t10.0.0.1\t%d\t10.0.0.2\t80\ttcp\t-\t-\t-\t-\tS0\tT\tF\t0\tS\t1\t40\t0\t0\t-\n", 1700000000+i, tag, i, 1024+i%60000)
	}
	return b
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func unzstd(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := zstd.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	b, err := io.ReadAll(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dataLines returns the non-comment lines.
func dataLines(b []byte) []string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func headerOf(s *zeeklog.Schema, open time.Time) string {
	return string(zeeklog.AppendHeader(nil, s, open))
}

func startLogger(t *testing.T, dir string, l net.Listener) *Server {
	t.Helper()
	s, err := New(Config{Name: "logger-1", Role: config.Logger, Secret: secret,
		StateDir: filepath.Join(dir, "state"), Writer: utcOpts(filepath.Join(dir, "logs"), nil),
		CommitInterval: 5 * time.Millisecond, Log: func(f string, a ...any) {
			if !strings.Contains(f, "wire:") {
				t.Logf(f, a...)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	return s
}

func listen(t *testing.T, addr string) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func newSender(t *testing.T, addr, name string) *wire.Sender {
	t.Helper()
	s, err := wire.NewSender(wire.SenderOptions{Addr: addr, Name: name, Role: config.Worker, Secret: secret,
		BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sendBatch(t *testing.T, s *wire.Sender, path string, body []byte, n int) {
	t.Helper()
	if err := s.Send(&wire.Message{Type: wire.TypeLogBatch, Stream: []byte(path), Path: []byte(path),
		Format: uint8(zeeklog.TSV), Count: uint32(n), Body: body}); err != nil {
		t.Error(err)
	}
}

func flush(t *testing.T, s *wire.Sender) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func countEach(t *testing.T, lines []string, want map[string]bool) {
	t.Helper()
	seen := map[string]int{}
	for _, l := range lines {
		seen[l]++
	}
	bad := 0
	for l := range want {
		if c := seen[l]; c != 1 && bad < 10 {
			bad++
			t.Errorf("record %.40q… logged %d times", l, c)
		}
	}
	if len(lines) != len(want) {
		t.Errorf("%d records, want %d", len(lines), len(want))
	}
}

var _ = bytes.Equal
