package worker

import (
	"xsensor/analyzer/conn"
	"xsensor/analyzer/decode"
	"xsensor/analyzer/dpd"
	"xsensor/analyzer/quic"
)

// noFlow is the slot of a connection that needs no protocol state (no
// analyzer attached and none can be): it is not looked at again.
const noFlow int32 = 1 << 30

// maxAckGaps bounds the gaps one acknowledgment may report (each is
// followed by the delivery of the buffered data behind it).
const maxAckGaps = 64

// dnsSessionTimeout is Zeek's dns_session_timeout.
const dnsSessionTimeout = 10 * 1e9

// analyze runs the protocol layer for one IP level of a packet that the
// connection table accepted.
func (w *Worker) analyze(c *conn.Conn, l *decode.Level, ts int64) {
	if c == nil || l.Malformed || l.BadChecksum || l.TransportTruncated || !w.opts.Analyzers {
		return
	}
	switch l.Proto {
	case 6:
		w.tcpSegment(c, l, ts)
	case 17:
		w.udpDatagram(c, l, ts)
	}
}

func (w *Worker) udpDatagram(c *conn.Conn, l *decode.Level, ts int64) {
	s := c.Slot()
	if s == noFlow {
		return
	}
	isOrig := c.IsOrig(l.Src, l.SrcPort)
	var f *flowState
	if s < 0 {
		if len(l.Payload) == 0 {
			return
		}
		p := dpd.UDPPort(c.RespPort())
		lite := dpd.LiteNone
		if w.opts.LiteServices {
			lite = dpd.LiteUDPPort(c.RespPort())
		}
		isQUIC := p != dpd.DNS && lite == dpd.LiteNone &&
			(quic.Port(c.RespPort()) || quic.Detect(isOrig, l.Payload))
		if p != dpd.DNS && lite == dpd.LiteNone && !isQUIC &&
			!(w.opts.DNSAnyPort && isOrig && dpd.DNSQuery(l.Payload, false)) {
			c.SetSlot(noFlow)
			return
		}
		f = w.flowFor(c, true)
		if isQUIC {
			w.attachQUIC(f)
		} else if lite != dpd.LiteNone {
			f.lite = lite
		} else {
			w.attachDNS(f)
			// Zeek's DNS analyzer expires a UDP connection after
			// dns_session_timeout (10 s) without traffic.
			c.SetInactivityTimeout(dnsSessionTimeout)
		}
	} else {
		f = w.flow(s)
	}
	if f.lite != dpd.LiteNone {
		w.liteUDP(f, c, l.Payload)
	}
	if f.quic != 0 {
		f.syncID(c)
		w.cur, w.curConn = f, c
		w.quicPacket(f, c, isOrig, ts, l.Payload)
		w.cur, w.curConn = nil, nil
		return
	}
	if f.dns == 0 {
		return
	}
	f.syncID(c)
	w.cur, w.curConn = f, c
	d := w.dnsSess[f.dns-1]
	d.Packet(isOrig, ts, l.Payload)
	w.confirm(f, c, dpd.DNS, d.Confirmed())
	w.cur, w.curConn = nil, nil
}

// tunnel notes that c (the UDP connection of level l) carried a tunnel
// packet of kind e, and adds the tunnel's service as Zeek's tunnel
// analyzers confirm it.
func (w *Worker) tunnel(c *conn.Conn, l *decode.Level, e decode.Encap) {
	name := dpd.TunnelService(e)
	if name == "" {
		return
	}
	if !dpd.DelayedConfirmation(e) {
		c.AddService(name)
		return
	}
	f := w.flowFor(c, true)
	if c.IsOrig(l.Src, l.SrcPort) {
		f.tunnels |= 1
	} else {
		f.tunnels |= 2
	}
	if f.tunnels == 3 {
		c.AddService(name)
	}
}

func (w *Worker) tcpSegment(c *conn.Conn, l *decode.Level, ts int64) {
	s := c.Slot()
	if s == noFlow {
		return
	}
	var f *flowState
	if s < 0 {
		f = w.flowFor(c, true)
		switch dpd.TCPPort(c.RespPort()) {
		case dpd.DNS:
			w.attachDNS(f)
		case dpd.HTTP:
			w.attachHTTP(f, true)
		case dpd.SSL:
			w.attachSSL(f)
		}
		if w.opts.LiteServices {
			w.liteStartTCP(f, c)
		}
		f.starttls = f.ssl == 0 && dpd.STARTTLSPort(c.RespPort())
	} else {
		f = w.flow(s)
	}
	f.syncID(c)
	w.cur, w.curConn = f, c
	k := f.dir(c.IsOrig(l.Src, l.SrcPort))
	d := &f.dirs[k]
	fl := l.TCPFlags
	seq := l.Seq
	if fl&decode.TCPSyn != 0 {
		if !d.Started() {
			d.Init(seq + 1)
		}
		seq++
	}
	payload := l.Payload
	if len(payload) < l.PayloadLen || fl&decode.TCPRst != 0 {
		payload = nil // truncated capture: the hole becomes a gap when acked
	}
	if !d.Started() && len(payload) > 0 {
		d.Init(seq)
	}
	if fl&decode.TCPFin != 0 && d.Started() {
		d.Fin(seq + uint32(l.PayloadLen))
	}
	if len(payload) > 0 {
		b := w.re.Add(d, seq, payload)
		if g := d.TakeGap(); g > 0 {
			w.gap(f, k, g)
		}
		if len(b) > 0 {
			w.deliver(f, k, ts, b)
		}
		w.drain(f, k, ts)
	}
	if fl&decode.TCPAck != 0 {
		p := &f.dirs[k^1]
		for i := 0; i < maxAckGaps && !f.dead; i++ {
			g := w.re.Ack(p, l.Ack)
			if g == 0 {
				break
			}
			w.gap(f, k^1, g)
			w.drain(f, k^1, ts)
		}
	}
	for j := 0; j < 2 && !f.dead; j++ {
		if f.dirs[j].AtEOF() {
			w.eof(f, j, ts)
		}
	}
	w.cur, w.curConn = nil, nil
	if f.dead {
		w.release(c, f)
	}
}

// release frees the flow state of a connection that needs no more
// protocol analysis.
func (w *Worker) release(c *conn.Conn, f *flowState) {
	s := c.Slot()
	for k := range f.dirs {
		w.re.Release(&f.dirs[k])
	}
	c.SetSlot(noFlow)
	w.flowFree = append(w.flowFree, s)
}

func (w *Worker) drain(f *flowState, k int, ts int64) {
	d := &f.dirs[k]
	for !f.dead {
		b, ok := w.re.Next(d)
		if !ok {
			return
		}
		w.deliver(f, k, ts, b)
	}
}

// isOrig reports whether direction k of f is the originator's (roles as
// they are now): dirs[0] is the originator's at creation, and every
// flip since swapped the roles.
func (f *flowState) isOrig(k int) bool {
	return (k == 0) == ((f.flips-f.flips0)&1 == 0)
}

// dir returns the direction index of the originator's data (isOrig) or
// the responder's, with roles as they are now.
func (f *flowState) dir(isOrig bool) int {
	if isOrig == ((f.flips-f.flips0)&1 == 0) {
		return 0
	}
	return 1
}

// deliver hands in-order bytes of direction k to DPD and the analyzers.
func (w *Worker) deliver(f *flowState, k int, ts int64, b []byte) {
	isOrig := f.isOrig(k)
	if !f.decide[k] {
		w.dpdTCP(f, k, isOrig, b)
		if f.dead {
			return
		}
	} else if f.starttls && f.ssl == 0 && isOrig {
		// STARTTLS: the client hello starts a later segment.
		if m, _ := dpd.TLSClient(b); m {
			w.attachSSL(f)
			f.starttls = false
		}
	}
	if f.dns != 0 {
		d := w.dnsSess[f.dns-1]
		if !d.Violated() {
			d.Data(isOrig, ts, b)
			w.confirm(f, w.curConn, dpd.DNS, d.Confirmed())
		}
	}
	w.deliverHTTPSSL(f, isOrig, ts, b)
	if f.lite != dpd.LiteNone {
		w.liteTCP(f, isOrig, b)
	}
}

// dpdTCP runs the DPD signatures on the first bytes of direction k.
func (w *Worker) dpdTCP(f *flowState, k int, isOrig bool, b []byte) {
	before := f.seen[k]
	if before < pfxLen {
		copy(f.pfx[k][before:], b)
	}
	f.seen[k] += uint32(min(len(b), pfxLen))
	n := min(int(f.seen[k]), pfxLen)
	p := f.pfx[k][:n]
	more := false
	if isOrig && before == 0 && f.dns == 0 && w.opts.DNSAnyPort && dpd.DNSQuery(b, true) {
		// A whole length-framed DNS query as the first segment.
		w.attachDNS(f)
	}
	if isOrig {
		if f.http == 0 {
			m, mo := dpd.HTTPClient(p)
			more = more || mo
			if m {
				w.attachHTTP(f, false)
				w.replayPrefix(f, k, isOrig, int(before), dpd.HTTP)
			}
		}
	} else if f.http != 0 && !f.httpEnabled {
		m, mo := dpd.HTTPServer(p)
		more = more || mo
		if m {
			f.httpEnabled = true
		}
	}
	if w.opts.LiteServices && f.ssh != 3 {
		more = w.sshBanner(f, isOrig, p) || more
	}
	if f.ssl == 0 {
		m, mo := dpd.TLSClient(p)
		if !m {
			var m2, mo2 bool
			m2, mo2 = dpd.TLSServer(p)
			m, mo = m2, mo || mo2
		}
		more = more || mo
		if m {
			w.attachSSL(f)
			w.replayPrefix(f, k, isOrig, int(before), dpd.SSL)
		}
	}
	if !more {
		f.decide[k] = true
		if f.decide[k^1] && !f.attached() {
			f.dead = true
		}
	}
}

// replayPrefix feeds an analyzer attached by a signature the bytes of
// its direction that earlier chunks carried (Zeek's PIA replays its
// buffer to the analyzer it enables).
func (w *Worker) replayPrefix(f *flowState, k int, isOrig bool, before int, p dpd.Proto) {
	if before <= 0 {
		return
	}
	w.feedOne(f, isOrig, w.now, f.pfx[k][:before], p)
}

func (w *Worker) gap(f *flowState, k int, n int) {
	isOrig := f.isOrig(k)
	f.decide[k] = true
	if f.dns != 0 {
		w.dnsSess[f.dns-1].Gap(isOrig, n)
	}
	w.gapHTTPSSL(f, isOrig, n)
}

func (w *Worker) eof(f *flowState, k int, ts int64) {
	isOrig := f.isOrig(k)
	if f.dns != 0 {
		w.dnsSess[f.dns-1].EOF(isOrig, ts)
	}
	w.eofHTTPSSL(f, isOrig, ts)
}

// flushDir delivers what direction k still buffers at connection end.
func (w *Worker) flushDir(f *flowState, k int) {
	d := &f.dirs[k]
	if !d.Pending() {
		return
	}
	w.flushK = k
	w.re.Flush(d, w.flushGapFn, w.flushDataFn)
}

func (w *Worker) flushGap(n int) {
	if w.cur != nil {
		w.gap(w.cur, w.flushK, n)
	}
}

func (w *Worker) flushData(b []byte) {
	if w.cur != nil {
		w.deliver(w.cur, w.flushK, w.now, b)
	}
}
