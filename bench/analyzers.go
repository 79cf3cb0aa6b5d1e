package bench

import "xsensor/analyzer/worker"

// setAnalyzers turns protocol analysis on or off in worker options.
func setAnalyzers(o *worker.Options, on bool) {
	_ = on // protocol analyzers are not wired yet: connection tracking only
	_ = o
}
