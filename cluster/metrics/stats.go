package metrics

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Field is one series of a role's counters: how to read it from a
// stats value T (ship.Stats, logger.Stats …) that AddStats reads once per
// scrape.
type Field[T any] struct {
	desc *prometheus.Desc
	typ  prometheus.ValueType
	get  func(*T) float64
}

// Counter is a monotonic series read from T.
func Counter[T any](name, help string, get func(*T) float64) Field[T] {
	return Field[T]{desc: prometheus.NewDesc(name, help, nil, nil), typ: prometheus.CounterValue, get: get}
}

// Gauge is a series read from T that may go down.
func Gauge[T any](name, help string, get func(*T) float64) Field[T] {
	return Field[T]{desc: prometheus.NewDesc(name, help, nil, nil), typ: prometheus.GaugeValue, get: get}
}

// CounterL is Counter with constant labels (for example proto="tcp"),
// for several fields that share a name.
func CounterL[T any](name, help string, labels prometheus.Labels, get func(*T) float64) Field[T] {
	return Field[T]{desc: prometheus.NewDesc(name, help, nil, labels), typ: prometheus.CounterValue, get: get}
}

// GaugeL is Gauge with constant labels.
func GaugeL[T any](name, help string, labels prometheus.Labels, get func(*T) float64) Field[T] {
	return Field[T]{desc: prometheus.NewDesc(name, help, nil, labels), typ: prometheus.GaugeValue, get: get}
}

// statsCollector reads a T once per scrape and exports its fields.
//
// Concurrency: read is called on the scraping goroutine, possibly from
// several scrapes at once; it must be safe for that (the roles' Stats
// methods are).
type statsCollector[T any] struct {
	read   func() T
	fields []Field[T]
}

func (c *statsCollector[T]) Describe(ch chan<- *prometheus.Desc) {
	for i := range c.fields {
		ch <- c.fields[i].desc
	}
}

func (c *statsCollector[T]) Collect(ch chan<- prometheus.Metric) {
	v := c.read()
	for i := range c.fields {
		f := &c.fields[i]
		ch <- prometheus.MustNewConstMetric(f.desc, f.typ, f.get(&v))
	}
}

// AddStats registers fields of the value read returns, read once per
// scrape (so the fields of one scrape are consistent with each other).
// A series already registered is an error.
func AddStats[T any](r *Registry, read func() T, fields ...Field[T]) error {
	if read == nil {
		return errors.New("metrics: nil stats reader")
	}
	if err := r.reg.Register(&statsCollector[T]{read: read, fields: fields}); err != nil {
		return fmt.Errorf("register metrics: %w", err)
	}
	return nil
}

func f64(v uint64) float64 { return float64(v) }
