// Package bench measures xsensor: offline replay throughput per worker
// core, the live path on a veth pair as a rate sweep with loss counted at
// every stage, and the XDP_DROP ceiling of the same veth. Results are
// measurements to compare, never pass/fail tests: the machines are shared
// and noisy, so the harness reports ratios measured side by side in one
// run.
package bench
