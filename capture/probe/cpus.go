package probe

import (
	"fmt"
	"slices"

	"xsensor/capture/cpu"
)

// checkCPUs compares the cores this process may run on with lb_procs and
// pin_cpus.
func checkCPUs(o Options) []Finding {
	allowed, err := cpu.Allowed()
	if err != nil {
		return []Finding{warn("cpus", "", "%v", err)}
	}
	fs := []Finding{ok("cpus", "%d cores allowed: %s", len(allowed), cpuList(allowed))}
	if o.LBProcs > 0 {
		if o.LBProcs > len(allowed) {
			fs = append(fs, warn("lb_procs", fmt.Sprintf("set lb_procs to at most %d, or add sensor boxes", len(allowed)),
				"lb_procs=%d workers on %d cores: workers share cores and are not pinned", o.LBProcs, len(allowed)))
		} else {
			fs = append(fs, ok("lb_procs", "lb_procs=%d workers fit on %d cores", o.LBProcs, len(allowed)))
		}
	}
	if len(o.PinCPUs) == 0 {
		return fs
	}
	var outside, dup []int
	seen := map[int]bool{}
	for _, c := range o.PinCPUs {
		if seen[c] {
			dup = append(dup, c)
		}
		seen[c] = true
		if !slices.Contains(allowed, c) {
			outside = append(outside, c)
		}
	}
	hint := fmt.Sprintf("choose pin_cpus among %s, one per worker", cpuList(allowed))
	switch {
	case len(outside) > 0:
		fs = append(fs, fail("pin_cpus", hint, "pin_cpus %s: core(s) %s not available to xsensor", cpuList(o.PinCPUs), cpuList(outside)))
	case len(dup) > 0:
		fs = append(fs, warn("pin_cpus", hint, "pin_cpus %s names cores %s twice: those workers share a core", cpuList(o.PinCPUs), cpuList(dup)))
	case o.LBProcs > 0 && len(o.PinCPUs) < o.LBProcs:
		fs = append(fs, fail("pin_cpus", hint, "pin_cpus lists %d cores for lb_procs=%d workers", len(o.PinCPUs), o.LBProcs))
	default:
		fs = append(fs, ok("pin_cpus", "pin_cpus %s available", cpuList(o.PinCPUs)))
	}
	return fs
}

// cpuList formats cores as "0,1,2".
func cpuList(cs []int) string {
	b := make([]byte, 0, 4*len(cs))
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%d", c)
	}
	return string(b)
}
