package worker

// UIDKey returns the key of the worker's uid generator: with it,
// analyzer/uid's Cipher (or FromKey) recomputes every uid this worker
// made from its counter, which is how cluster/ship sends a uid in a few
// bytes. Safe to call from any goroutine: the key never changes.
func (w *Worker) UIDKey() [16]byte { return w.gen.Key() }
