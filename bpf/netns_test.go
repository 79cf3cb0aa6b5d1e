//go:build linux

package bpf

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

var nsCount atomic.Int32

// newVethNS creates a network namespace holding a veth pair xs0/xs1 (both
// up) and removes it when the test ends. It returns the namespace name.
func newVethNS(t testing.TB) string {
	t.Helper()
	requirePrivileged(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatal("ip (iproute2) is needed for the netns tests")
	}
	name := fmt.Sprintf("xsbpf-%d-%d", os.Getpid(), nsCount.Add(1))
	ipCmd(t, "netns", "add", name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	ipCmd(t, "-n", name, "link", "add", "xs0", "type", "veth", "peer", "name", "xs1")
	ipCmd(t, "-n", name, "link", "set", "xs0", "up")
	ipCmd(t, "-n", name, "link", "set", "xs1", "up")
	return name
}

func ipCmd(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// linkShowsXDP reports whether `ip link show` lists an XDP program on dev.
func linkShowsXDP(t testing.TB, ns, dev string) bool {
	t.Helper()
	out := ipCmd(t, "-n", ns, "link", "show", "dev", dev)
	return strings.Contains(out, "xdp") || strings.Contains(out, "prog/")
}

// inNetNS runs fn on an OS thread that has entered namespace ns. The
// thread is never handed back to the Go scheduler: it exits with the
// goroutine.
func inNetNS(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // no unlock: the thread dies with the goroutine
		f, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}
