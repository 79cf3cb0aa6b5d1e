package metrics

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Options describe the process a Registry belongs to.
type Options struct {
	Node    string // node name from node.cfg, or the command ("replay", "run")
	Role    string // manager, logger, proxy, worker, or the command
	Version string // build commit
	// NoRuntime leaves out the Go runtime and process collectors.
	NoRuntime bool
}

// Registry is a process's set of metrics.
//
// Concurrency: AddCapture and Prometheus().Register may be called from
// any goroutine; scrapes run concurrently with them.
type Registry struct {
	reg  *prometheus.Registry
	opts Options
}

// ErrCaptureRegistered is returned by a second AddCapture: a process
// exports one capture path (worker labels would collide otherwise).
var ErrCaptureRegistered = errors.New("a capture source is already registered")

// New returns a registry holding xsensor_info and, unless NoRuntime, the
// Go runtime and process collectors.
func New(o Options) *Registry {
	r := &Registry{reg: prometheus.NewRegistry(), opts: o}
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "xsensor_info",
		Help:        "The node's name, role and build; always 1.",
		ConstLabels: prometheus.Labels{"node": o.Node, "role": o.Role, "version": o.Version},
	})
	info.Set(1)
	r.reg.MustRegister(info)
	if !o.NoRuntime {
		r.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return r
}

// AddCapture registers the capture path's counters, read through src at
// every scrape.
func (r *Registry) AddCapture(src Source) error {
	if src == nil {
		return errors.New("metrics: nil capture source")
	}
	if err := r.reg.Register(&captureCollector{src: src}); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return ErrCaptureRegistered
		}
		return fmt.Errorf("register capture metrics: %w", err)
	}
	return nil
}

// Prometheus returns the underlying registry, for roles that add their
// own collectors (shipper backlog, logger write rate).
func (r *Registry) Prometheus() *prometheus.Registry { return r.reg }
