package worker

import (
	"xsensor/analyzer/conn"
	"xsensor/analyzer/dpd"
	"xsensor/analyzer/quic"
)

// QUIC: the quic.Session decrypts Initial packets and hands the TLS
// handshake to an ssl.Session from the TLS pool, which writes ssl.log.

func (w *Worker) weirdQUIC(name, addl string) { w.connWeird(name, addl, "") }

// attachQUIC gives f a QUIC session with its TLS session.
func (w *Worker) attachQUIC(f *flowState) {
	w.attachSSL(f)
	var i int32
	if n := len(w.quicFree); n > 0 {
		i = w.quicFree[n-1]
		w.quicFree = w.quicFree[:n-1]
	} else {
		w.quicSess = append(w.quicSess, new(quic.Session))
		i = int32(len(w.quicSess) - 1)
	}
	w.quicSess[i].Reset(f.id, w.sslSess[f.ssl-1], w.weirdQUICFn)
	f.quic = i + 1
}

func (w *Worker) quicPacket(f *flowState, c *conn.Conn, isOrig bool, ts int64, b []byte) {
	q := w.quicSess[f.quic-1]
	if q.Violated() {
		return
	}
	q.Packet(isOrig, ts, b)
	w.confirm(f, c, dpd.QUIC, q.Confirmed())
	w.confirm(f, c, dpd.SSL, w.sslSess[f.ssl-1].Confirmed())
}

// doneQUIC ends f's QUIC session; it ends the TLS session itself, which
// then returns to its pool here.
func (w *Worker) doneQUIC(f *flowState, c *conn.Conn, ts int64) {
	q := w.quicSess[f.quic-1]
	q.Done(ts)
	w.confirm(f, c, dpd.QUIC, q.Confirmed())
	w.quicFree = append(w.quicFree, f.quic-1)
	f.quic = 0
	if f.ssl != 0 {
		w.confirm(f, c, dpd.SSL, w.sslSess[f.ssl-1].Confirmed())
		w.sslFree = append(w.sslFree, f.ssl-1)
		f.ssl = 0
	}
}
