package captest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"xsensor/tools/testenv"

	"golang.org/x/sys/unix"
)

var topoSeq atomic.Uint32

// Veth is a Veth pair with the sensor end in one namespace and the peer
// end in another.
type Veth struct {
	SensorNS, PeerNS   string
	SensorIf, PeerIf   string
	SensorIdx, PeerIdx int
	SensorMAC, PeerMAC net.HardwareAddr
}

func IPCmd(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// NewVeth builds the topology and removes it when the test ends.
func NewVeth(t testing.TB, prefix string) *Veth {
	t.Helper()
	testenv.RequirePrivileged(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("privileged test needs the ip command (iproute2): %v", err)
	}
	id := fmt.Sprintf("%d%d", os.Getpid()%100000, topoSeq.Add(1))
	v := &Veth{SensorNS: prefix + "s" + id, PeerNS: prefix + "p" + id, SensorIf: prefix[:1] + "s" + id, PeerIf: prefix[:1] + "p" + id}
	IPCmd(t, "netns", "add", v.SensorNS)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", v.SensorNS).Run() })
	IPCmd(t, "netns", "add", v.PeerNS)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", v.PeerNS).Run() })
	IPCmd(t, "-n", v.SensorNS, "link", "add", v.SensorIf, "type", "veth", "peer", "name", v.PeerIf, "netns", v.PeerNS)
	for _, p := range [][2]string{{v.SensorNS, v.SensorIf}, {v.PeerNS, v.PeerIf}} {
		// No IPv6 link-local address: no router or neighbour chatter.
		IPCmd(t, "-n", p[0], "link", "set", "dev", p[1], "addrgenmode", "none")
		IPCmd(t, "-n", p[0], "link", "set", "dev", p[1], "up")
	}
	InNetns(t, v.SensorNS, func() {
		ifi, err := net.InterfaceByName(v.SensorIf)
		if err != nil {
			t.Fatalf("interface %s: %v", v.SensorIf, err)
		}
		v.SensorIdx, v.SensorMAC = ifi.Index, ifi.HardwareAddr
	})
	InNetns(t, v.PeerNS, func() {
		ifi, err := net.InterfaceByName(v.PeerIf)
		if err != nil {
			t.Fatalf("interface %s: %v", v.PeerIf, err)
		}
		v.PeerIdx, v.PeerMAC = ifi.Index, ifi.HardwareAddr
	})
	return v
}

// InNetns runs fn on a thread switched into namespace name. Sockets and
// XDP links created by fn stay in that namespace after it returns. fn
// must not start goroutines that rely on the namespace.
func InNetns(t testing.TB, name string, fn func()) {
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
