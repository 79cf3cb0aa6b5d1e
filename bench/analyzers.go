package bench

import "xsensor/analyzer/worker"

// setAnalyzers turns protocol analysis (reassembly, DPD, DNS, HTTP, TLS)
// on or off; connection tracking always runs.
func setAnalyzers(o *worker.Options, on bool) { o.Analyzers = on }
