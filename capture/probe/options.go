package probe

import "fmt"

// Options say what to probe.
type Options struct {
	// Interface is the capture interface; empty probes the host only.
	Interface string
	// LBProcs is the number of workers planned on Interface (node.cfg's
	// lb_procs); 0 skips the checks that need it.
	LBProcs int
	// PinCPUs are the cores those workers are pinned to (pin_cpus).
	PinCPUs []int
	// NoAttach skips the checks that touch the interface (XDP attach,
	// AF_XDP bind).
	NoAttach bool
}

func (o Options) validate() error {
	if o.LBProcs < 0 {
		return fmt.Errorf("lb_procs %d: want 0 or more", o.LBProcs)
	}
	return nil
}
