package probe

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

const bpfHint = "run as root, or grant CAP_BPF, CAP_NET_ADMIN and CAP_SYS_RESOURCE (the packaged worker unit does)"

// passProgram loads the smallest XDP program: return XDP_PASS.
func passProgram() (*ebpf.Program, error) {
	return ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:    "xsensor_probe",
		Type:    ebpf.XDP,
		License: "GPL",
		Instructions: asm.Instructions{
			asm.Mov.Imm(asm.R0, 2), // XDP_PASS
			asm.Return(),
		},
	})
}

func checkBPF() Finding {
	p, err := passProgram()
	if err != nil {
		hint := bpfHint
		if errors.Is(err, unix.EPERM) {
			hint += "; check sysctl kernel.unprivileged_bpf_disabled and the memlock limit"
		}
		return fail("bpf", hint, "load a trivial XDP program: %v", err)
	}
	p.Close()
	return ok("bpf", "bpf(2) loads XDP programs")
}

// checkXDPAttach attaches the trivial program to ifindex in driver and in
// skb mode, detaching at once. It does nothing when a program is already
// attached: that is most likely a running sensor.
func checkXDPAttach(name string, ifindex int, busy bool) []Finding {
	if busy {
		f := warn("xdp", fmt.Sprintf("stop the sensor on %s to probe XDP, or detach with `ip link set dev %s xdp off`", name, name),
			"an XDP program is already attached to %s (a running sensor?): attach not tried", name)
		return []Finding{f}
	}
	p, err := passProgram()
	if err != nil {
		return []Finding{fail("xdp", bpfHint, "load a trivial XDP program: %v", err)}
	}
	defer p.Close()
	try := func(flags link.XDPAttachFlags) error {
		l, err := link.AttachXDP(link.XDPOptions{Program: p, Interface: ifindex, Flags: flags})
		if err != nil {
			return err
		}
		return l.Close()
	}
	drvErr := try(link.XDPDriverMode)
	skbErr := try(link.XDPGenericMode)
	var fs []Finding
	switch {
	case drvErr == nil:
		fs = append(fs, ok("xdp-driver", "driver-mode (native) XDP attaches to %s", name))
	case skbErr == nil:
		fs = append(fs, warn("xdp-driver", fmt.Sprintf("use a NIC whose driver has native XDP, or run with --xdp-mode skb (slower: frames are copied into skbs first) on %s", name),
			"driver-mode XDP refused by %s: %v", name, drvErr))
	default:
		fs = append(fs, fail("xdp-driver", bpfHint, "driver-mode XDP refused by %s: %v", name, drvErr))
	}
	if skbErr == nil {
		fs = append(fs, ok("xdp-skb", "skb-mode (generic) XDP attaches to %s", name))
	} else {
		fs = append(fs, fail("xdp-skb", bpfHint+"; or use lb_method=af_packet", "skb-mode XDP refused by %s: %v", name, skbErr))
	}
	return fs
}
