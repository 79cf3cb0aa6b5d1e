package worker

import (
	"xsensor/analyzer/conn"
	"xsensor/analyzer/dns"
	"xsensor/analyzer/dpd"
	"xsensor/analyzer/stream"
	"xsensor/analyzer/weird"
)

// pfxLen is how many first bytes per direction DPD looks at.
const pfxLen = 16

// flowState is the protocol layer's per-connection state: stream
// reassembly, DPD progress and the attached analyzer sessions. It lives
// in the worker's pool; the connection finds it through conn.Slot.
type flowState struct {
	// Hot: read for every packet (kept together at the front).
	flips       uint8 // c.Flips() when id was copied
	tcp         bool
	dead        bool // no analyzer attached and none can be: skip the stream
	httpEnabled bool // HTTP may log (port-registered, or both signatures matched)
	decide      [2]bool
	lite        dpd.Lite
	liteDone    bool  // the light service was confirmed
	services    uint8 // bit per dpd.Proto: service added
	tunnels     uint8 // Teredo confirmation: bit 0 orig, bit 1 resp
	ssh         uint8 // SSH banners seen: bit 0 orig, bit 1 resp
	starttls    bool  // look for a TLS client hello later in the stream
	flips0      uint8 // c.Flips() when the state was made: dirs[0] is that originator's
	dns         int32 // session pool index + 1, 0 when not attached
	http        int32
	ssl         int32
	quic        int32
	seen        [2]uint32 // stream bytes seen per direction (saturating)
	dirs        [2]stream.Dir

	// Cold: analyzer calls, DPD, weirds.
	id     conn.ID
	pfx    [2][pfxLen]byte
	weirds weird.Counter
}

func (f *flowState) attached() bool {
	return f.dns|f.http|f.ssl|f.quic != 0 || f.lite == dpd.LiteFTP || f.starttls
}

// flowChunkShift sizes the chunks the flow pool grows by (no copying of
// live states when it grows).
const flowChunkShift = 9

func (w *Worker) flow(i int32) *flowState {
	return &w.flows[i>>flowChunkShift][i&(1<<flowChunkShift-1)]
}

// flowFor returns c's flow state, creating it when create is set.
func (w *Worker) flowFor(c *conn.Conn, create bool) *flowState {
	if s := c.Slot(); s >= 0 && s != noFlow {
		return w.flow(s)
	}
	if !create {
		return nil
	}
	var i int32
	if n := len(w.flowFree); n > 0 {
		i = w.flowFree[n-1]
		w.flowFree = w.flowFree[:n-1]
	} else {
		if int(w.nflows)>>flowChunkShift >= len(w.flows) {
			w.flows = append(w.flows, make([]flowState, 1<<flowChunkShift))
		}
		i = w.nflows
		w.nflows++
	}
	c.SetSlot(i)
	f := w.flow(i)
	*f = flowState{id: c.ID(), tcp: c.IsTCP(), flips: c.Flips(), flips0: c.Flips()}
	return f
}

// syncID refreshes f's copy of the connection identity after a flip.
func (f *flowState) syncID(c *conn.Conn) {
	if n := c.Flips(); n != f.flips {
		f.id, f.flips = c.ID(), n
	}
}

// onRemove is the connection table's removal hook: analyzers log what
// is pending and the flow state returns to the pool.
func (w *Worker) onRemove(c *conn.Conn) {
	s := c.Slot()
	if s < 0 || s == noFlow {
		return
	}
	f := w.flow(s)
	f.syncID(c)
	w.cur, w.curConn = f, c
	if f.tcp && !f.dead {
		for k := 0; k < 2; k++ {
			w.flushDir(f, k)
		}
	}
	ts := w.now
	if f.dns != 0 {
		d := w.dnsSess[f.dns-1]
		d.Done(ts)
		w.confirm(f, c, dpd.DNS, d.Confirmed())
		w.dnsFree = append(w.dnsFree, f.dns-1)
	}
	w.doneHTTPSSL(f, c, ts)
	for k := range f.dirs {
		w.re.Release(&f.dirs[k])
	}
	w.cur, w.curConn = nil, nil
	c.SetSlot(-1)
	w.flowFree = append(w.flowFree, s)
}

// confirm adds p's service the first time its analyzer confirms.
func (w *Worker) confirm(f *flowState, c *conn.Conn, p dpd.Proto, ok bool) {
	if !ok || f.services&(1<<p) != 0 {
		return
	}
	if p == dpd.HTTP && !f.httpEnabled {
		return
	}
	f.services |= 1 << p
	c.AddService(p.Service())
}

// attachDNS gives f a DNS session.
func (w *Worker) attachDNS(f *flowState) {
	var i int32
	if n := len(w.dnsFree); n > 0 {
		i = w.dnsFree[n-1]
		w.dnsFree = w.dnsFree[:n-1]
	} else {
		w.dnsSess = append(w.dnsSess, new(dns.Session))
		i = int32(len(w.dnsSess) - 1)
	}
	w.dnsSess[i].Reset(f.id, w.emitDNSFn, w.weirdDNSFn, w.flipFn)
	f.dns = i + 1
}

func (w *Worker) emitDNS(r *dns.Record) {
	w.logged(logDNS, dns.AppendRecord(w.logs[logDNS].enc, w.logBuf(logDNS), r))
}

// flipCur flips the connection the current analyzer call is about (Zeek's
// DNS analyzer flips a connection whose first message is a response).
func (w *Worker) flipCur() {
	if w.curConn != nil {
		w.curConn.FlipRoles()
		if w.cur != nil {
			w.cur.id, w.cur.flips = w.curConn.ID(), w.curConn.Flips()
		}
	}
}
