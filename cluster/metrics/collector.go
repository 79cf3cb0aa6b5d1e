package metrics

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	descWorkerPackets = prometheus.NewDesc("xsensor_worker_packets_total", "Frames processed by a worker.", []string{"worker"}, nil)
	descWorkerBytes   = prometheus.NewDesc("xsensor_worker_bytes_total", "Wire bytes of the frames processed by a worker.", []string{"worker"}, nil)
	descWorkerBatches = prometheus.NewDesc("xsensor_worker_batches_total", "Batches processed by a worker.", []string{"worker"}, nil)
	descFlowsActive   = prometheus.NewDesc("xsensor_flows_active", "Connections in a worker's flow table.", []string{"worker"}, nil)
	descFlowsCreated  = prometheus.NewDesc("xsensor_flows_created_total", "Connections a worker's flow table created.", []string{"worker"}, nil)
	descFlowsEvicted  = prometheus.NewDesc("xsensor_flows_evicted_total", "Connections evicted from a full flow table.", []string{"worker"}, nil)
	descStagePackets  = prometheus.NewDesc("xsensor_stage_packets_total", "Packets seen by a stage of the capture path.", []string{"stage", "worker"}, nil)
	descStageBytes    = prometheus.NewDesc("xsensor_stage_bytes_total", "Bytes seen by a stage of the capture path.", []string{"stage", "worker"}, nil)
	descDrops         = prometheus.NewDesc("xsensor_drops_total", "Packets lost at a stage of the capture path.", []string{"stage", "reason", "worker"}, nil)
	descRingUsed      = prometheus.NewDesc("xsensor_ring_used", "Entries waiting in a ring.", []string{"ring", "worker"}, nil)
	descRingSize      = prometheus.NewDesc("xsensor_ring_size", "Capacity of a ring.", []string{"ring", "worker"}, nil)
	descSourceErrors  = prometheus.NewDesc("xsensor_source_errors_total", "Scrapes whose capture source reported an error.", nil, nil)
)

// captureCollector turns a Source's snapshot into metrics.
//
// Concurrency: Prometheus may call Collect from several scrapes at once;
// mu serialises them around the one reused Snapshot.
type captureCollector struct {
	src Source

	mu     sync.Mutex
	snap   Snapshot
	errs   uint64
	labels []string // "0", "1", … cached worker labels
}

func (c *captureCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWorkerPackets, descWorkerBytes, descWorkerBatches, descFlowsActive,
		descFlowsCreated, descFlowsEvicted, descStagePackets, descStageBytes, descDrops, descRingUsed, descRingSize, descSourceErrors} {
		ch <- d
	}
}

func (c *captureCollector) worker(i int) string {
	if i < 0 {
		return "all"
	}
	for len(c.labels) <= i {
		c.labels = append(c.labels, strconv.Itoa(len(c.labels)))
	}
	return c.labels[i]
}

func (c *captureCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := &c.snap
	s.reset()
	if err := c.src(s); err != nil {
		c.errs++
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	for i := range s.Workers {
		w, l := &s.Workers[i], c.worker(i)
		counter(descWorkerPackets, w.Packets, l)
		counter(descWorkerBytes, w.Bytes, l)
		counter(descWorkerBatches, w.Batches, l)
		gauge(descFlowsActive, w.FlowsActive, l)
		counter(descFlowsCreated, w.FlowsCreated, l)
		counter(descFlowsEvicted, w.FlowsEvicted, l)
	}
	for _, st := range s.Stages {
		counter(descStagePackets, st.Packets, st.Stage, c.worker(st.Worker))
		counter(descStageBytes, st.Bytes, st.Stage, c.worker(st.Worker))
	}
	for _, d := range s.Drops {
		counter(descDrops, d.Packets, d.Stage, d.Reason, c.worker(d.Worker))
	}
	for _, r := range s.Rings {
		gauge(descRingUsed, r.Used, r.Ring, c.worker(r.Worker))
		gauge(descRingSize, r.Size, r.Ring, c.worker(r.Worker))
	}
	counter(descSourceErrors, c.errs)
}
