package worker

import (
	"xsensor/analyzer/weird"
)

// Peer is the weird.log peer name of a standalone sensor (Zeek's
// peer_description default).
const Peer = "zeek"

func (w *Worker) weirdDNS(name, addl string)  { w.connWeird(name, addl, "DNS") }
func (w *Worker) weirdHTTP(name, addl string) { w.connWeird(name, addl, "HTTP") }
func (w *Worker) weirdSSL(name, addl string)  { w.connWeird(name, addl, "SSL") }

// connWeird logs a weird an analyzer raised on the current connection,
// subject to Zeek's per-connection weird sampling.
func (w *Worker) connWeird(name, addl, source string) {
	f := w.cur
	if f == nil {
		return
	}
	w.stats.Weirds++
	if !w.opts.WeirdSampling.Permit(f.weirds.Add(name)) {
		return
	}
	r := weird.Record{TS: w.now, ID: f.id, HasConn: true, Name: name, Addl: addl, Peer: Peer, Source: source}
	w.logged(logWeird, weird.AppendRecord(w.logs[logWeird].enc, w.logBuf(logWeird), &r))
}

// netWeird logs a weird without a connection (the decoder's), subject to
// sampling per name over the whole worker.
func (w *Worker) netWeird(name string) {
	w.stats.Weirds++
	if !w.opts.WeirdSampling.Permit(w.netWeirds.Add(name)) {
		return
	}
	r := weird.Record{TS: w.now, Name: name, Peer: Peer}
	w.logged(logWeird, weird.AppendRecord(w.logs[logWeird].enc, w.logBuf(logWeird), &r))
}
