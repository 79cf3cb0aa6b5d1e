package worker

import "xsensor/analyzer/zeeklog"

// Log streams a worker writes. Each has its own encoder and buffer; a
// buffer goes to the Sink when it reaches Options.FlushBytes, when it has
// waited Options.FlushInterval of network time (checked per batch), and
// at Finish, so the Sink sees chunks of whole records, never single ones.
const (
	logConn = iota
	logDNS
	logHTTP
	logSSL
	logWeird
	numLogs
)

type logStream struct {
	schema  *zeeklog.Schema
	enc     *zeeklog.Encoder
	buf     []byte
	records uint64
}

func (w *Worker) initLog(i int, s *zeeklog.Schema) {
	w.logs[i] = logStream{
		schema: s,
		enc:    zeeklog.NewEncoder(s, w.opts.Format),
	}
}

// buf returns stream i's buffer, allocated on first use (a worker that
// never sees DNS never holds a DNS buffer).
func (w *Worker) logBuf(i int) []byte {
	l := &w.logs[i]
	if l.buf == nil {
		l.buf = make([]byte, 0, w.opts.FlushBytes+4096)
	}
	return l.buf
}

// logged stores stream i's extended buffer and flushes it when full.
func (w *Worker) logged(i int, b []byte) {
	l := &w.logs[i]
	l.buf = b
	l.records++
	if len(b) >= w.opts.FlushBytes {
		w.flushLog(i)
	}
}

func (w *Worker) flushLog(i int) {
	l := &w.logs[i]
	if len(l.buf) == 0 {
		return
	}
	if err := w.sink.WriteLog(l.schema, l.buf); err != nil && w.stats.SinkErr == nil {
		w.stats.SinkErr = err
	}
	l.buf = l.buf[:0]
}

func (w *Worker) flush() {
	for i := range w.logs {
		w.flushLog(i)
	}
	w.lastFlush = w.now
}
