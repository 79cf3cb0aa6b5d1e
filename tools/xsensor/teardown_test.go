package main

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"xsensor/bpf"
	"xsensor/tools/testenv"
	"xsensor/tools/topology"
)

// startRun starts `xsensor run` on iface in a child and waits for its
// "capturing" line; it returns the command and a channel of stderr lines.
func startRun(t *testing.T, iface, dir string) (*os.Process, <-chan string) {
	t.Helper()
	cmd := xsensorCmd("run", "-i", iface, "-w", "2", "-o", dir, "--xdp-mode", "drv", "--stats-interval", "0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		cmd.Wait()
	}()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("xsensor run exited before capturing")
			}
			if strings.Contains(l, "capturing on") {
				return cmd.Process, lines
			}
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("xsensor run did not start within 20s")
		}
	}
}

func attached(t *testing.T, iface string) bool {
	ifc, err := net.InterfaceByName(iface)
	if err != nil {
		t.Fatal(err)
	}
	a, err := bpf.Attached(ifc.Index)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRunTeardown: SIGUSR1 prints stats; SIGTERM detaches the program and
// closes the logs; after kill -9 the next start succeeds and replaces the
// program the killed sensor left behind.
func TestRunTeardown(t *testing.T) {
	testenv.RequirePrivileged(t)
	top, err := topology.New(topology.Options{Prefix: "td", Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { top.Close() })
	dir := t.TempDir()

	p, lines := startRun(t, top.Sensor, dir)
	if !attached(t, top.Sensor) {
		t.Fatal("no XDP program attached while running")
	}
	p.Signal(syscall.SIGUSR1)
	waitLine(t, lines, "stats:")
	p.Signal(syscall.SIGTERM)
	for range lines {
	}
	if attached(t, top.Sensor) {
		t.Error("XDP program still attached after SIGTERM")
	}
	sendFrames(t, top, smallMix(), 0) // nothing listens: must not matter

	// kill -9, then start again.
	p, lines = startRun(t, top.Sensor, dir)
	p.Kill()
	for range lines {
	}
	p, lines = startRun(t, top.Sensor, dir)
	if !attached(t, top.Sensor) {
		t.Fatal("restart after kill -9 did not attach")
	}
	p.Signal(syscall.SIGINT)
	for range lines {
	}
	if attached(t, top.Sensor) {
		t.Error("XDP program still attached after SIGINT")
	}
	b, err := os.ReadFile(filepath.Join(dir, "conn.log"))
	if err == nil && !strings.Contains(string(b), "#close") {
		t.Error("conn.log was not closed after SIGINT")
	}
}

func waitLine(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("process ended before printing %q", want)
			}
			if strings.Contains(l, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no %q line within 10s", want)
		}
	}
}
