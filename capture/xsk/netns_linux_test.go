package xsk

// Test topology for privileged tests: two network namespaces joined by a
// veth pair. Kept in step with capture/afpacket/netns_linux_test.go.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// requirePrivileged skips t unless it runs as root with iproute2, or fails
// it when XSENSOR_REQUIRE_PRIVILEGED=1 (as CI sets).
func requirePrivileged(t testing.TB) {
	t.Helper()
	reason := ""
	if os.Geteuid() != 0 {
		reason = "needs root (CAP_NET_ADMIN, CAP_BPF, CAP_SYS_ADMIN for network namespaces)"
	} else if _, err := exec.LookPath("ip"); err != nil {
		reason = "needs the ip command (iproute2)"
	}
	if reason == "" {
		return
	}
	if os.Getenv("XSENSOR_REQUIRE_PRIVILEGED") == "1" {
		t.Fatalf("privileged test cannot run: %s (XSENSOR_REQUIRE_PRIVILEGED=1)", reason)
	}
	t.Skipf("skipping privileged test: %s; set XSENSOR_REQUIRE_PRIVILEGED=1 to fail instead", reason)
}

var topoSeq atomic.Uint32

// veth is a veth pair with the sensor end in one namespace and the peer
// end in another.
type veth struct {
	sensorNS, peerNS   string
	sensorIf, peerIf   string
	sensorIdx, peerIdx int
	sensorMAC, peerMAC net.HardwareAddr
}

func ipCmd(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// newVeth builds the topology and removes it when the test ends.
func newVeth(t testing.TB) *veth {
	t.Helper()
	requirePrivileged(t)
	id := fmt.Sprintf("%d%d", os.Getpid()%100000, topoSeq.Add(1))
	v := &veth{sensorNS: "xsks" + id, peerNS: "xskp" + id, sensorIf: "xs" + id, peerIf: "xp" + id}
	ipCmd(t, "netns", "add", v.sensorNS)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", v.sensorNS).Run() })
	ipCmd(t, "netns", "add", v.peerNS)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", v.peerNS).Run() })
	ipCmd(t, "-n", v.sensorNS, "link", "add", v.sensorIf, "type", "veth", "peer", "name", v.peerIf, "netns", v.peerNS)
	for _, p := range [][2]string{{v.sensorNS, v.sensorIf}, {v.peerNS, v.peerIf}} {
		// No IPv6 link-local address: no router or neighbour chatter.
		ipCmd(t, "-n", p[0], "link", "set", "dev", p[1], "addrgenmode", "none")
		ipCmd(t, "-n", p[0], "link", "set", "dev", p[1], "up")
	}
	inNetns(t, v.sensorNS, func() {
		ifi, err := net.InterfaceByName(v.sensorIf)
		if err != nil {
			t.Fatalf("interface %s: %v", v.sensorIf, err)
		}
		v.sensorIdx, v.sensorMAC = ifi.Index, ifi.HardwareAddr
	})
	inNetns(t, v.peerNS, func() {
		ifi, err := net.InterfaceByName(v.peerIf)
		if err != nil {
			t.Fatalf("interface %s: %v", v.peerIf, err)
		}
		v.peerIdx, v.peerMAC = ifi.Index, ifi.HardwareAddr
	})
	return v
}

// inNetns runs fn on a thread switched into namespace name. Sockets and
// XDP links created by fn stay in that namespace after it returns. fn
// must not start goroutines that rely on the namespace.
func inNetns(t testing.TB, name string, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("open own netns: %v", err)
	}
	defer orig.Close()
	target, err := os.Open("/run/netns/" + name)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("open netns %s: %v", name, err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("setns %s: %v", name, err)
	}
	defer func() {
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// Leave the thread locked: it dies with the goroutine.
			t.Errorf("restore netns: %v", err)
			return
		}
		runtime.UnlockOSThread()
	}()
	fn()
}
