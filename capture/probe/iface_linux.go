package probe

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"

	"xsensor/bpf"
	"xsensor/capture/live"
)

// ethFlagLRO is ETH_FLAG_LRO in ETHTOOL_GFLAGS.
const ethFlagLRO = 1 << 15

func checkInterface(o Options) []Finding {
	name := o.Interface
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return []Finding{fail("interface", "name an interface of this host (`ip link`); in a container or namespace, run diag there",
			"interface %s: %v", name, err)}
	}
	var fs []Finding
	flags, ferr := ifFlags(name)
	switch {
	case ferr != nil:
		fs = append(fs, warn("interface", "", "%s (driver %s): read flags: %v", name, driverName(name), ferr))
	case flags&unix.IFF_UP == 0:
		fs = append(fs, fail("interface", fmt.Sprintf("ip link set %s up", name), "%s (driver %s) is down", name, driverName(name)))
	default:
		fs = append(fs, ok("interface", "%s (driver %s, mtu %d) is up", name, driverName(name), ifc.MTU))
	}
	if ferr == nil {
		if flags&unix.IFF_PROMISC != 0 {
			fs = append(fs, ok("promisc", "%s is in promiscuous mode", name))
		} else {
			fs = append(fs, warn("promisc", fmt.Sprintf("ip link set %s promisc on", name),
				"%s is not in promiscuous mode: frames from a tap or span port to other MACs may be filtered by the NIC", name))
		}
	}
	fs = append(fs, checkQueues(name, o.LBProcs))
	fs = append(fs, checkOffloads(name)...)
	if o.NoAttach {
		return fs
	}
	busy, err := bpf.Attached(ifc.Index)
	if err != nil {
		return append(fs, warn("xdp", bpfHint, "query XDP on %s: %v", name, err))
	}
	fs = append(fs, checkXDPAttach(name, ifc.Index, busy)...)
	fs = append(fs, checkXSK(name, ifc.Index, busy)...)
	return fs
}

func ifFlags(name string) (uint16, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return 0, err
	}
	return ifr.Uint16(), nil
}

// driverName returns the interface's driver (ETHTOOL_GDRVINFO), or "?".
func driverName(name string) string {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return "?"
	}
	defer unix.Close(fd)
	d, err := unix.IoctlGetEthtoolDrvinfo(fd, name)
	if err != nil {
		return "?"
	}
	return unix.ByteSliceToString(d.Driver[:])
}

// checkQueues reports the RX queue count (what the live sensor opens one
// socket group per) against lb_procs, and whether RSS could use more.
func checkQueues(name string, lbProcs int) Finding {
	const check = "rx-queues"
	queues := live.RXQueues(name) // sysfs: the queues the sensor binds
	detail := fmt.Sprintf("%s has %d RX queue(s)", name, queues)
	more := ""
	if ch, err := ethtoolGetChannels(name); err == nil {
		detail += fmt.Sprintf(" (ethtool channels: rx %d/%d, combined %d/%d)", ch.rxCount, ch.maxRx, ch.combinedCount, ch.maxCombined)
		switch {
		case ch.maxCombined > ch.combinedCount && ch.combinedCount > 0:
			more = fmt.Sprintf("ethtool -L %s combined %d", name, ch.maxCombined)
		case ch.maxRx > ch.rxCount && ch.rxCount > 0:
			more = fmt.Sprintf("ethtool -L %s rx %d", name, ch.maxRx)
		}
	} else {
		detail += fmt.Sprintf(" (ethtool channels: %v; counted in /sys/class/net/%s/queues)", err, name)
	}
	if lbProcs > 0 && lbProcs%queues != 0 {
		hint := fmt.Sprintf("set lb_procs to a multiple of %d", queues)
		if more != "" {
			hint += " or change the queue count (" + more + ")"
		}
		return fail(check, hint, "%s: lb_procs=%d does not divide over them (XDP mode needs a multiple)", detail, lbProcs)
	}
	if more != "" {
		return warn(check, more+" to spread flows (RSS) over all queues", "%s: the NIC offers more", detail)
	}
	return ok(check, "%s", detail)
}

// checkOffloads reports offloads that make capture see packets other than
// those on the wire: GRO and LRO merge received segments (LRO also keeps
// most drivers from running XDP); TSO and GSO hand the capture oversized
// frames of locally sent traffic.
func checkOffloads(name string) []Finding {
	type off struct {
		check, key, why string
		get             func() (bool, error)
	}
	value := func(cmd uint32) func() (bool, error) {
		return func() (bool, error) { v, err := ethtoolGetValue(name, cmd); return v != 0, err }
	}
	offs := []off{
		{"gro", "gro", "generic receive offload merges TCP segments before AF_PACKET sees them", value(unix.ETHTOOL_GGRO)},
		{"lro", "lro", "large receive offload merges segments in the NIC, before XDP (most drivers refuse XDP with it)", func() (bool, error) {
			v, err := ethtoolGetValue(name, unix.ETHTOOL_GFLAGS)
			return v&ethFlagLRO != 0, err
		}},
		{"tso", "tso", "TCP segmentation offload: locally sent frames are captured oversized", value(unix.ETHTOOL_GTSO)},
		{"gso", "gso", "generic segmentation offload: locally sent frames are captured oversized", value(unix.ETHTOOL_GGSO)},
	}
	var fs []Finding
	for _, o := range offs {
		on, err := o.get()
		switch {
		case err != nil:
			fs = append(fs, ok(o.check, "%s: cannot read %s (%v); the driver likely lacks it", name, o.key, err))
		case on:
			fs = append(fs, warn(o.check, fmt.Sprintf("ethtool -K %s %s off", name, o.key), "%s has %s on: %s", name, o.key, o.why))
		default:
			fs = append(fs, ok(o.check, "%s has %s off", name, o.key))
		}
	}
	return fs
}
