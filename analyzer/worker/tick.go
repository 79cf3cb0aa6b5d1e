package worker

// Tick advances an idle worker's clock to ts without a packet: due timers
// fire (connections time out and are logged) and buffered records go to
// the sink, so a quiet link still produces its logs. Live sources call it
// when a poll times out; replay never needs it.
func (w *Worker) Tick(ts int64) {
	w.conns.Advance(ts)
	w.flush()
}
