package worker

import (
	"xsensor/analyzer/conn"
	"xsensor/analyzer/dpd"
	"xsensor/analyzer/http"
	"xsensor/analyzer/quic"
	"xsensor/analyzer/ssl"
)

// protoFns are the HTTP and TLS callbacks, bound once in New.
type protoFns struct {
	httpSess []*http.Session
	httpFree []int32
	sslSess  []*ssl.Session
	sslFree  []int32
	quicSess []*quic.Session
	quicFree []int32

	emitHTTPFn  func(*http.Record)
	weirdHTTPFn func(name, addl string)
	emitSSLFn   func(*ssl.Record)
	weirdSSLFn  func(name, addl string)
	weirdQUICFn func(name, addl string)
}

func (w *Worker) initProtoLogs() {
	w.initLog(logHTTP, &http.Schema)
	w.initLog(logSSL, &ssl.Schema)
}

func (w *Worker) bindProtoFns() {
	w.emitHTTPFn = w.emitHTTP
	w.weirdHTTPFn = w.weirdHTTP
	w.emitSSLFn = w.emitSSL
	w.weirdSSLFn = w.weirdSSL
	w.weirdQUICFn = w.weirdQUIC
}

// attachHTTP gives f an HTTP session. enabled is false when only the
// client signature matched: Zeek enables HTTP once dpd_http_server also
// matches, so until then the session's logs and service are held back.
func (w *Worker) attachHTTP(f *flowState, enabled bool) {
	if f.http != 0 {
		return
	}
	var i int32
	if n := len(w.httpFree); n > 0 {
		i = w.httpFree[n-1]
		w.httpFree = w.httpFree[:n-1]
	} else {
		w.httpSess = append(w.httpSess, new(http.Session))
		i = int32(len(w.httpSess) - 1)
	}
	w.httpSess[i].Reset(f.id, w.emitHTTPFn, w.weirdHTTPFn)
	f.http = i + 1
	f.httpEnabled = enabled
}

func (w *Worker) attachSSL(f *flowState) {
	if f.ssl != 0 {
		return
	}
	var i int32
	if n := len(w.sslFree); n > 0 {
		i = w.sslFree[n-1]
		w.sslFree = w.sslFree[:n-1]
	} else {
		w.sslSess = append(w.sslSess, new(ssl.Session))
		i = int32(len(w.sslSess) - 1)
	}
	w.sslSess[i].Reset(f.id, w.emitSSLFn, w.weirdSSLFn)
	f.ssl = i + 1
}

func (w *Worker) emitHTTP(r *http.Record) {
	if w.cur != nil && !w.cur.httpEnabled {
		return
	}
	w.logged(logHTTP, http.AppendRecord(w.logs[logHTTP].enc, w.logBuf(logHTTP), r))
}

func (w *Worker) emitSSL(r *ssl.Record) {
	w.logged(logSSL, ssl.AppendRecord(w.logs[logSSL].enc, w.logBuf(logSSL), r))
}

// feedOne feeds bytes to one analyzer only (signature replay).
func (w *Worker) feedOne(f *flowState, isOrig bool, ts int64, b []byte, p dpd.Proto) {
	switch p {
	case dpd.HTTP:
		if f.http != 0 {
			w.httpSess[f.http-1].Data(isOrig, ts, b)
		}
	case dpd.SSL:
		if f.ssl != 0 {
			w.sslSess[f.ssl-1].Data(isOrig, ts, b)
		}
	}
}

func (w *Worker) deliverHTTPSSL(f *flowState, isOrig bool, ts int64, b []byte) {
	c := w.curConn
	if f.http != 0 {
		h := w.httpSess[f.http-1]
		if !w.stopped(h.Violated(), h.Confirmed()) && !h.Tunneled() {
			h.Data(isOrig, ts, b)
			w.confirm(f, c, dpd.HTTP, h.Confirmed())
			if h.Tunneled() {
				// CONNECT succeeded: what follows is detected afresh
				// (Zeek gives the tunnel its own PIA).
				f.decide = [2]bool{}
				f.seen = [2]uint32{}
			}
		}
	}
	if f.ssl != 0 {
		s := w.sslSess[f.ssl-1]
		if !w.stopped(s.Violated(), s.Confirmed()) {
			s.Data(isOrig, ts, b)
			w.confirm(f, c, dpd.SSL, s.Confirmed())
		}
	}
}

func (w *Worker) gapHTTPSSL(f *flowState, isOrig bool, n int) {
	if f.http != 0 {
		if h := w.httpSess[f.http-1]; !w.stopped(h.Violated(), h.Confirmed()) {
			h.Gap(isOrig, n)
		}
	}
	if f.ssl != 0 {
		if s := w.sslSess[f.ssl-1]; !w.stopped(s.Violated(), s.Confirmed()) {
			s.Gap(isOrig, n)
		}
	}
}

func (w *Worker) eofHTTPSSL(f *flowState, isOrig bool, ts int64) {
	if f.http != 0 {
		if h := w.httpSess[f.http-1]; !w.stopped(h.Violated(), h.Confirmed()) {
			h.EOF(isOrig, ts)
			w.confirm(f, w.curConn, dpd.HTTP, h.Confirmed())
		}
	}
	if f.ssl != 0 {
		if s := w.sslSess[f.ssl-1]; !w.stopped(s.Violated(), s.Confirmed()) {
			s.EOF(isOrig, ts)
			w.confirm(f, w.curConn, dpd.SSL, s.Confirmed())
		}
	}
}

// doneHTTPSSL ends f's HTTP and TLS sessions at connection removal.
func (w *Worker) doneHTTPSSL(f *flowState, c *conn.Conn, ts int64) {
	if f.quic != 0 {
		w.doneQUIC(f, c, ts)
	}
	if f.http != 0 {
		h := w.httpSess[f.http-1]
		h.Done(ts)
		w.confirm(f, c, dpd.HTTP, h.Confirmed())
		w.httpFree = append(w.httpFree, f.http-1)
		f.http = 0
	}
	if f.ssl != 0 {
		s := w.sslSess[f.ssl-1]
		s.Done(ts)
		w.confirm(f, c, dpd.SSL, s.Confirmed())
		w.sslFree = append(w.sslFree, f.ssl-1)
		f.ssl = 0
	}
}

// stopped reports whether an analyzer that reported a violation is cut
// off (Options.DisableOnViolation).
func (w *Worker) stopped(violated, _ bool) bool { return violated && w.opts.DisableOnViolation }
