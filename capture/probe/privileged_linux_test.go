package probe

import (
	"net"
	"testing"

	"github.com/cilium/ebpf/link"

	"xsensor/bpf"
	"xsensor/tools/testenv"
	"xsensor/tools/topology"
)

func vethPair(t *testing.T) *topology.Topology {
	t.Helper()
	testenv.RequirePrivileged(t)
	top, err := topology.New(topology.Options{Prefix: "diag"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { top.Close() })
	return top
}

// TestDiagVeth is the acceptance check: on a veth, driver-mode XDP works
// and zero-copy AF_XDP is refused (copy mode works), and diag leaves no
// program behind.
func TestDiagVeth(t *testing.T) {
	top := vethPair(t)
	fs := Run(Options{Interface: top.Sensor, LBProcs: 1})
	for _, f := range fs {
		t.Log(f)
	}
	want := map[string]Status{"bpf": OK, "interface": OK, "xdp-driver": OK, "xdp-skb": OK, "af_xdp": OK, "af_xdp-zerocopy": Warn}
	for c, s := range want {
		f, ok := Find(fs, c)
		if !ok || f.Status != s {
			t.Errorf("%s: %+v, want status %v", c, f, s)
		}
	}
	if f, _ := Find(fs, "af_xdp-zerocopy"); f.Hint == "" {
		t.Error("zero-copy finding has no hint")
	}
	ifc, err := net.InterfaceByName(top.Sensor)
	if err != nil {
		t.Fatal(err)
	}
	if on, err := bpf.Attached(ifc.Index); err != nil || on {
		t.Errorf("after diag: XDP attached %v, %v", on, err)
	}
}

// TestDiagBusy: with a program attached (a running sensor), diag reports
// it and leaves it alone.
func TestDiagBusy(t *testing.T) {
	top := vethPair(t)
	ifc, err := net.InterfaceByName(top.Sensor)
	if err != nil {
		t.Fatal(err)
	}
	p, err := passProgram()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	l, err := link.AttachXDP(link.XDPOptions{Program: p, Interface: ifc.Index})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fs := Run(Options{Interface: top.Sensor})
	if f, ok := Find(fs, "xdp"); !ok || f.Status != Warn {
		t.Errorf("busy interface: %+v", f)
	}
	if f, ok := Find(fs, "af_xdp"); !ok || f.Status != Warn {
		t.Errorf("busy interface, AF_XDP: %+v", f)
	}
	if _, ok := Find(fs, "af_xdp-zerocopy"); ok {
		t.Error("AF_XDP bind tried on a busy interface")
	}
	if on, err := bpf.Attached(ifc.Index); err != nil || !on {
		t.Errorf("the running program was disturbed: attached %v, %v", on, err)
	}
}
