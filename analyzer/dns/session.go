package dns

import (
	"net/netip"

	"xsensor/analyzer/conn"
)

// Limits, as Zeek's defaults.
const (
	// MaxQueries is dns_max_queries: a message with more questions is a
	// protocol violation (most non-DNS traffic on port 53 trips it).
	MaxQueries = 25
	// maxPendingMsgs and maxPendingIDs are DNS::max_pending_msgs and
	// DNS::max_pending_query_ids.
	maxPendingMsgs = 50
	maxPendingIDs  = 50
	// maxTCPMessage bounds a TCP-framed message (the length prefix is 16
	// bits, so this is never exceeded).
	maxTCPMessage = 65535
)

type pending struct {
	id  uint16
	idx int32
}

// framer is one direction's TCP length framing (Zeek's Contents_DNS).
type framer struct {
	state uint8 // 0: length high byte, 1: length low byte, 2: message
	size  int
	buf   []byte
}

// Session is one connection's DNS analyzer. The zero value is ready after
// Reset. Owned by one goroutine.
type Session struct {
	id    conn.ID
	emit  func(*Record)
	weird func(name, addl string)
	flip  func()

	recs []Record
	free []int32
	cur  int32 // c$dns, -1 when unset

	pendingQuery   int32 // -1 when unset
	pendingQueries []pending
	pendingReplies []pending

	firstMessage bool
	confirmed    bool
	violated     bool
	netbios      bool
	multicast    bool

	tcp [2]framer

	name    [maxName + 1]byte // name extraction
	scratch []byte            // answer rendering
}

// Reset prepares s for a new connection. emit receives each dns.log
// record; weird reports Zeek weirds (name, addl); flip is called when the
// first message shows the originator is the server (Zeek's FlipRoles):
// the caller flips the connection, s flips its own copy of id.
func (s *Session) Reset(id conn.ID, emit func(*Record), weird func(name, addl string), flip func()) {
	s.id, s.emit, s.weird, s.flip = id, emit, weird, flip
	for i := range s.recs {
		s.recs[i].used = false
	}
	s.free = s.free[:0]
	for i := len(s.recs) - 1; i >= 0; i-- {
		s.free = append(s.free, int32(i))
	}
	s.cur, s.pendingQuery = -1, -1
	s.pendingQueries = s.pendingQueries[:0]
	s.pendingReplies = s.pendingReplies[:0]
	s.firstMessage = true
	s.confirmed, s.violated = false, false
	s.netbios = id.RespP == 137 || id.OrigP == 137
	s.multicast = isMulticast(id.RespH)
	for i := range s.tcp {
		s.tcp[i].state, s.tcp[i].size, s.tcp[i].buf = 0, 0, s.tcp[i].buf[:0]
	}
	if s.scratch == nil {
		s.scratch = make([]byte, 0, 256)
		s.recs = make([]Record, 0, 4)
		s.free = make([]int32, 0, 4)
		s.pendingQueries = make([]pending, 0, 4)
		s.pendingReplies = make([]pending, 0, 4)
	}
}

func isMulticast(a netip.Addr) bool {
	a = a.Unmap()
	if a.Is4() {
		return a.As4()[0]&0xf0 == 0xe0
	}
	return a.Is6() && a.As16()[0] == 0xff
}

// Confirmed reports whether a message parsed cleanly through its answers
// (Zeek's analyzer confirmation).
func (s *Session) Confirmed() bool { return s.confirmed }

// Violated reports a protocol violation: the caller stops feeding s.
func (s *Session) Violated() bool { return s.violated }

// Packet analyses one UDP datagram's payload.
func (s *Session) Packet(isOrig bool, ts int64, payload []byte) {
	if s.violated {
		return
	}
	q := 0
	if isOrig {
		q = 1
	}
	s.parseMessage(ts, payload, q)
}

// Data analyses in-order TCP stream bytes of one direction (2-byte length
// framing). b is read only during the call.
func (s *Session) Data(isOrig bool, ts int64, b []byte) {
	f := &s.tcp[0]
	q := 1
	if !isOrig {
		f, q = &s.tcp[1], 0
	}
	for len(b) > 0 && !s.violated {
		switch f.state {
		case 0:
			f.size = int(b[0]) << 8
			f.state = 1
			b = b[1:]
			continue
		case 1:
			f.size |= int(b[0])
			f.state = 2
			f.buf = f.buf[:0]
			b = b[1:]
		}
		need := f.size - len(f.buf)
		if need > len(b) {
			f.buf = append(f.buf, b...)
			return
		}
		var msg []byte
		if len(f.buf) == 0 {
			msg = b[:need] // whole message in this chunk: no copy
		} else {
			f.buf = append(f.buf, b[:need]...)
			msg = f.buf
		}
		b = b[need:]
		f.state = 0
		s.parseMessage(ts, msg, q)
		f.buf = f.buf[:0]
	}
}

// Gap notes n missing stream bytes; Zeek's DNS-over-TCP framing ignores
// gaps (the framing may lose sync, as in Zeek).
func (s *Session) Gap(isOrig bool, n int) {}

// EOF notes the end of one direction.
func (s *Session) EOF(isOrig bool, ts int64) {}

// Done flushes partial TCP messages and logs every transaction still
// pending (Zeek's finalize_dns at connection removal).
func (s *Session) Done(ts int64) {
	for i := range s.tcp {
		f := &s.tcp[i]
		if f.state == 2 && len(f.buf) > 0 && !s.violated {
			s.parseMessage(ts, f.buf, 2)
		}
		f.state, f.buf = 0, f.buf[:0]
	}
	if s.pendingQuery >= 0 {
		i := s.pendingQuery
		s.pendingQuery = -1
		s.logPending(i)
	}
	s.logQueue(&s.pendingQueries, -1)
	s.logQueue(&s.pendingReplies, -1)
	s.cur = -1
}

// newRecord takes a record from the pool: Zeek's new_session.
func (s *Session) newRecord(ts int64, transID uint16) int32 {
	var i int32
	if n := len(s.free); n > 0 {
		i = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		// A new pool entry gets buffers for a typical transaction, so
		// that reusing it later does not allocate.
		s.recs = append(s.recs, Record{
			Query:  make([]byte, 0, 128),
			ans:    make([]byte, 0, 256),
			ansEnd: make([]int32, 0, 8),
			TTLs:   make([]uint32, 0, 8),
		})
		i = int32(len(s.recs) - 1)
	}
	r := &s.recs[i]
	r.reset()
	r.used = true
	r.TS = ts
	r.ID = s.id
	r.Proto = s.id.Proto
	r.TransID = transID
	return i
}

func (s *Session) release(i int32) {
	r := &s.recs[i]
	if !r.used || r.inPending || i == s.cur {
		return
	}
	r.used = false
	s.free = append(s.free, i)
}

func (s *Session) log(i int32) {
	s.emit(&s.recs[i])
}

// logPending logs a record taken out of a pending structure.
func (s *Session) logPending(i int32) {
	r := &s.recs[i]
	r.inPending = false
	s.log(i)
	if s.cur == i {
		s.cur = -1
	}
	s.release(i)
}

// logQueue logs and removes the entries of q with id (all entries when id < 0).
func (s *Session) logQueue(q *[]pending, id int) {
	out := (*q)[:0]
	for _, p := range *q {
		if id >= 0 && int(p.id) != id {
			out = append(out, p)
			continue
		}
		s.logPending(p.idx)
	}
	*q = out
}

func countID(q []pending, id uint16) int {
	n := 0
	for _, p := range q {
		if p.id == id {
			n++
		}
	}
	return n
}

func distinctIDs(q []pending) int {
	n := 0
	for i, p := range q {
		seen := false
		for _, o := range q[:i] {
			if o.id == p.id {
				seen = true
				break
			}
		}
		if !seen {
			n++
		}
	}
	return n
}

// enqueue is enqueue_new_msg.
func (s *Session) enqueue(q *[]pending, id uint16, idx int32) {
	if c := countID(*q, id); c == 0 {
		if distinctIDs(*q) > maxPendingIDs {
			s.logQueue(q, -1)
		}
	} else if c > maxPendingMsgs {
		s.logQueue(q, int(id))
	}
	s.recs[idx].inPending = true
	*q = append(*q, pending{id, idx})
}

// pop removes and returns the first entry of q with id, or -1.
func (s *Session) pop(q *[]pending, id uint16) int32 {
	for k, p := range *q {
		if p.id == id {
			copy((*q)[k:], (*q)[k+1:])
			*q = (*q)[:len(*q)-1]
			s.recs[p.idx].inPending = false
			return p.idx
		}
	}
	return -1
}

func (s *Session) setCur(i int32) {
	old := s.cur
	s.cur = i
	if old >= 0 && old != i {
		s.release(old)
	}
}

// setSession is main.zeek's set_session hook.
func (s *Session) setSession(ts int64, h *header) {
	isQuery := !h.qr
	switch {
	case s.multicast:
		i := s.newRecord(ts, h.id)
		r := &s.recs[i]
		r.sawQuery, r.sawReply = true, true
		s.setCur(i)
	case isQuery:
		if i := s.pop(&s.pendingReplies, h.id); i >= 0 {
			s.setCur(i)
		} else {
			i := s.newRecord(ts, h.id)
			s.setCur(i)
			if s.pendingQuery < 0 {
				s.pendingQuery = i
				s.recs[i].inPending = true
			} else {
				s.enqueue(&s.pendingQueries, h.id, i)
			}
		}
	default:
		if pq := s.pendingQuery; pq >= 0 && s.recs[pq].TransID == h.id {
			s.pendingQuery = -1
			s.recs[pq].inPending = false
			s.setCur(pq)
			if len(s.pendingQueries) > 0 {
				n := s.pop(&s.pendingQueries, h.id)
				if n < 0 {
					n = s.pop(&s.pendingQueries, s.pendingQueries[0].id)
				}
				if n >= 0 {
					s.pendingQuery = n
					s.recs[n].inPending = true
				}
			}
		} else if i := s.pop(&s.pendingQueries, h.id); i >= 0 {
			s.setCur(i)
		} else {
			i := s.newRecord(ts, h.id)
			s.setCur(i)
			s.enqueue(&s.pendingReplies, h.id, i)
		}
	}
	r := &s.recs[s.cur]
	if !isQuery {
		r.RCode, r.HasRCode = h.rcode, true
		if h.rcode != 0 && h.qdcount == 0 {
			r.Rejected = true
		}
	}
	r.Opcode, r.HasOpcode, r.NetBIOS = h.opcode, true, s.netbios
}

// endMessage is dns_end: the transaction is logged once both its query and
// its reply were seen.
func (s *Session) endMessage(h *header) {
	if s.cur < 0 {
		return
	}
	r := &s.recs[s.cur]
	if h.qr {
		r.sawReply = true
	} else {
		r.sawQuery = true
	}
	if r.sawQuery && r.sawReply {
		i := s.cur
		s.log(i)
		s.cur = -1
		s.release(i)
	}
}
