package probe

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"xsensor/capture/xsk"
)

// probeXSK binds one small AF_XDP socket to queue 0 in mode m and closes
// it. The kernel releases a closed socket's binding asynchronously, so a
// bind that finds the queue busy is retried for a moment.
func probeXSK(ifindex int, m xsk.Mode) error {
	o := xsk.DefaultOptions()
	o.FrameCount, o.FillRingSize, o.CompletionRingSize, o.RxRingSize = 64, 64, 64, 64
	o.Mode = m
	var err error
	for try := 0; try < 20; try++ {
		var g *xsk.Group
		if g, err = xsk.OpenGroup(ifindex, 0, 1, o); err == nil {
			return g.Close()
		}
		if !errors.Is(err, unix.EBUSY) {
			return err
		}
		time.Sleep(25 * time.Millisecond)
	}
	return err
}

// checkXSK binds an AF_XDP socket to queue 0 of the interface, first in
// zero-copy mode, then in copy mode.
func checkXSK(name string, ifindex int, busy bool) []Finding {
	if busy {
		return []Finding{warn("af_xdp", fmt.Sprintf("stop the sensor on %s to probe AF_XDP", name),
			"an XDP program is attached to %s (a running sensor?): bind not tried", name)}
	}
	zcErr := probeXSK(ifindex, xsk.ModeZeroCopy)
	copyErr := probeXSK(ifindex, xsk.ModeCopy)
	var fs []Finding
	if copyErr == nil {
		fs = append(fs, ok("af_xdp", "AF_XDP socket binds to %s queue 0 in copy mode", name))
	} else {
		hint := bpfHint + "; or use lb_method=af_packet"
		if errors.Is(copyErr, unix.EBUSY) {
			hint = "another AF_XDP socket holds the queue: stop it, or use lb_method=af_packet"
		}
		fs = append(fs, fail("af_xdp", hint, "AF_XDP bind on %s queue 0: %v", name, copyErr))
	}
	switch {
	case zcErr == nil:
		fs = append(fs, ok("af_xdp-zerocopy", "zero-copy AF_XDP accepted by %s", name))
	case copyErr == nil:
		fs = append(fs, warn("af_xdp-zerocopy",
			"zero-copy needs a driver with AF_XDP zero-copy support (ice, i40e, ixgbe, mlx5, igc, …); the sensor falls back to copy mode",
			"zero-copy AF_XDP refused by %s (%s): %v", name, driverName(name), zcErr))
	default:
		fs = append(fs, fail("af_xdp-zerocopy", "fix the copy-mode bind first", "zero-copy AF_XDP refused by %s: %v", name, zcErr))
	}
	return fs
}
