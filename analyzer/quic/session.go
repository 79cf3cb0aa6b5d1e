package quic

import (
	"strconv"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/ssl"
)

const (
	// violationWindow is DPD::ignore_violations_after: a violation in
	// the first 10 KiB of payload disables the analyzer.
	violationWindow = 10 * 1024
	// DefaultMaxHistoryLength is QUIC::max_history_length.
	DefaultMaxHistoryLength = 100
	// maxDiscardedEvents is QUIC::max_discarded_packet_events.
	maxDiscardedEvents = 100
	// maxCIDLen bounds the stored Initial DCID (the wire allows 255 in
	// versions other than v1/v2; Zeek takes any length).
	maxCIDLen = 255
)

// Session is the QUIC analyzer of one UDP connection, after Zeek's
// (src/analyzer/protocol/quic/QUIC.spicy and decrypt_crypto.cc): it
// parses the long and short headers of every QUIC packet of a datagram,
// decrypts the client's and the server's Initial packets with keys
// derived from the client's first Destination Connection ID, reassembles
// their CRYPTO frames and hands the ClientHello and the ServerHello to an
// ssl.Session, which writes ssl.log.
//
// A Session is owned by one worker goroutine; it is not safe for
// concurrent use. Reset makes it reusable for a new connection and keeps
// its buffers. Packet does not allocate once the Session is warm, except
// when Initial keys are derived: once per direction per client Initial
// DCID (twice per connection, again after a Retry).
type Session struct {
	id    conn.ID
	tls   *ssl.Session
	weird func(name, addl string)
	seen  uint64 // payload bytes of both directions

	dcid         [maxCIDLen]byte // the client's Initial DCID
	dcidLen      int
	hasDCID      bool
	clientCIDLen int // Zeek's context.client_cid_len (short headers)

	keys   [2]keys // 0: client, 1: server
	crypto [2]cryptoStream

	confirmed, violated, disabled  bool
	totalDecrypted, totalDiscarded uint64

	// quic.log script state (c$quic): its history, for the weird
	// QUIC_max_history_length_reached and for tests.
	hasInfo        bool
	history        []byte
	maxHistory     int
	shortTotal     [2]uint64
	shortThreshold [2]uint64

	// onLog, when set (tests), sees each quic.log history as it is logged.
	onLog func(history []byte)

	plain   []byte // decryption buffer
	hdr     []byte // unprotected header (AEAD associated data)
	scratch [2][16]byte
}

// Reset prepares s for a new connection. tls receives the handshake
// messages (it may be nil to analyse QUIC only); weird receives Zeek
// weird names and may be nil. The caller resets tls for the connection
// itself; Done calls tls.Done.
func (s *Session) Reset(id conn.ID, tls *ssl.Session, weird func(name, addl string)) {
	c0, c1 := s.crypto[0], s.crypto[1]
	c0.reset()
	c1.reset()
	*s = Session{
		id: id, tls: tls, weird: weird,
		crypto:         [2]cryptoStream{c0, c1},
		maxHistory:     DefaultMaxHistoryLength,
		shortThreshold: [2]uint64{1, 1},
		plain:          s.plain[:0],
		history:        s.history[:0],
		hdr:            s.hdr[:0],
	}
}

// History is the history field quic.log would show for the current
// c$quic record (main.zeek's letters: I Initial, H Handshake, Z 0-RTT,
// R Retry, C CONNECTION_CLOSE, S/s client/server hello, X discarded,
// O short packets at powers of two; upper case from the originator).
// It is empty once a Retry or CONNECTION_CLOSE ended the record. The
// slice is valid until the next call to Packet.
func (s *Session) History() []byte { return s.history }

// SetMaxHistoryLength sets QUIC::max_history_length for this connection
// (call after Reset); it only decides when the weird
// QUIC_max_history_length_reached is reported.
func (s *Session) SetMaxHistoryLength(n int) { s.maxHistory = n }

// Confirmed reports Zeek's analyzer confirmation of QUIC: an Initial
// packet was decrypted. conn.log's service then holds "quic" (and "ssl"
// once the ssl.Session confirms too: Zeek logs "quic,ssl").
func (s *Session) Confirmed() bool { return s.confirmed }

// Violated reports a protocol violation within the first 10 KiB of the
// connection, after which Zeek's DPD disables the analyzer (and its SSL
// child): the Session then ignores further packets.
func (s *Session) Violated() bool { return s.violated }

// Done is the connection's removal: the ssl.Session writes its record if
// it has one.
func (s *Session) Done(ts int64) {
	if s.hasInfo {
		s.endInfo() // finalize_quic
	}
	s.disabled = true
	if s.tls != nil {
		s.tls.Done(ts)
	}
}

func (s *Session) weirdf(name, addl string) {
	if s.weird != nil {
		s.weird(name, addl)
	}
}

func dirIndex(isOrig bool) int {
	if isOrig {
		return 0
	}
	return 1
}

// violation is AnalyzerViolation after a Spicy parse error: the rest of
// the datagram is dropped.
func (s *Session) violation() {
	if s.seen <= violationWindow {
		s.violated = true
		s.disabled = true
	}
}

// Packet analyses one UDP datagram of the connection; payload is read
// only and not retained.
func (s *Session) Packet(isOrig bool, ts int64, payload []byte) {
	if s.disabled {
		return
	}
	s.seen += uint64(len(payload))
	for b := payload; len(b) > 0; {
		n, ok := s.packet(isOrig, ts, b)
		if !ok {
			s.violation()
			return
		}
		b = b[n:]
	}
}

// varint decodes a QUIC variable-length integer (RFC 9000 §16).
func varint(b []byte) (v uint64, n int, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	n = 1 << (b[0] >> 6)
	if len(b) < n {
		return 0, 0, false
	}
	v = uint64(b[0] & 0x3f)
	for i := 1; i < n; i++ {
		v = v<<8 | uint64(b[i])
	}
	return v, n, true
}

// packet parses one QUIC packet at the start of b and returns its length.
func (s *Session) packet(isOrig bool, ts int64, b []byte) (int, bool) {
	first := b[0]
	if first&0x40 == 0 {
		// Fixed bit clear: Zeek discards the rest of the datagram.
		s.totalDiscarded++
		if s.totalDecrypted > 0 && s.totalDiscarded <= maxDiscardedEvents {
			if s.hasInfo {
				s.addHistory(isOrig, 'X')
			} else {
				s.weirdf("QUIC_spurious_discarded_packet", "")
			}
		}
		return len(b), true
	}
	if first&0x80 == 0 {
		return s.shortPacket(isOrig, b)
	}
	if len(b) < 7 {
		return 0, false
	}
	version := uint32(b[1])<<24 | uint32(b[2])<<16 | uint32(b[3])<<8 | uint32(b[4])
	off := 5
	dcidLen := int(b[off])
	off++
	if off+dcidLen+1 > len(b) {
		return 0, false
	}
	dcid := b[off : off+dcidLen]
	off += dcidLen
	scidLen := int(b[off])
	off++
	if off+scidLen > len(b) {
		return 0, false
	}
	off += scidLen
	if !knownVersion(version) {
		return 0, false // "unhandled QUIC version"
	}
	switch t := packetType(version, (first>>4)&3); t {
	case ptInitial:
		return s.initial(isOrig, ts, b, off, version, dcid, scidLen)
	case ptZeroRTT, ptHandshake:
		l, n, ok := varint(b[off:])
		if !ok || l > uint64(len(b)-off-n) {
			return 0, false
		}
		s.setSession()
		if t == ptZeroRTT {
			s.addHistory(isOrig, 'Z')
		} else {
			s.addHistory(isOrig, 'H')
		}
		return off + n + int(l), true
	default: // Retry: the rest of the datagram; decryption starts over.
		if !s.hasInfo {
			s.setSession()
		}
		s.addHistory(isOrig, 'R')
		s.endInfo()
		s.resetCrypto()
		return len(b), true
	}
}

func (s *Session) shortPacket(isOrig bool, b []byte) (int, bool) {
	if 1+s.clientCIDLen > len(b) {
		return 0, false
	}
	i := dirIndex(isOrig)
	s.shortTotal[i]++
	if s.shortTotal[i] == s.shortThreshold[i] {
		s.shortThreshold[i] *= 2
		if s.hasInfo {
			s.addHistory(isOrig, 'O')
		} else {
			var tmp [20]byte
			s.weirdf("QUIC_spurious_short_packet_threshold_crossed",
				string(strconv.AppendUint(tmp[:0], s.shortTotal[i], 10)))
		}
	}
	return len(b), true
}

// resetCrypto is Zeek's reset_crypto after a Retry: the next client
// Initial's DCID keys both directions and the CRYPTO streams start over.
// The TLS analyzer's script state (ssl.log) carries on.
func (s *Session) resetCrypto() {
	s.hasDCID = false
	s.dcidLen = 0
	s.keys[0].valid, s.keys[1].valid = false, false
	s.crypto[0].reset()
	s.crypto[1].reset()
}

func (s *Session) initial(isOrig bool, ts int64, b []byte, off int, version uint32, dcid []byte, scidLen int) (int, bool) {
	tl, n, ok := varint(b[off:])
	if !ok || tl > uint64(len(b)-off-n) {
		return 0, false
	}
	off += n + int(tl)
	length, n, ok := varint(b[off:])
	if !ok || length < 20 {
		return 0, false
	}
	off += n
	if length > uint64(len(b)-off) {
		return 0, false
	}
	pnOff, size := off, off+int(length)
	s.setSession()
	s.addHistory(isOrig, 'I')

	i := dirIndex(isOrig)
	if s.crypto[i].finished || (!isOrig && !s.hasDCID) {
		return size, true
	}
	if isOrig {
		s.clientCIDLen = scidLen
		if !s.hasDCID {
			s.hasDCID = true
			s.dcidLen = copy(s.dcid[:], dcid)
			s.keys[0].valid, s.keys[1].valid = false, false
		}
	} else {
		s.clientCIDLen = len(dcid)
	}
	k := &s.keys[i]
	if !k.valid || k.version != version {
		k.derive(version, s.dcid[:s.dcidLen], isOrig)
		if !k.valid {
			return 0, false
		}
	}
	if cap(s.plain) < size {
		s.plain = make([]byte, size+512)
	}
	var plain []byte
	plain, s.hdr = k.open(s.plain[:cap(s.plain)], s.hdr, b[:size], pnOff, int(length), &s.scratch)
	if len(plain) == 0 {
		return 0, false // "decryption failed"
	}
	s.confirmed = true
	s.totalDecrypted++
	if !s.frames(isOrig, ts, plain) {
		return 0, false
	}
	return size, true
}

// frames parses the frames of a decrypted Initial payload; only those
// Zeek's Frame unit knows may appear.
func (s *Session) frames(isOrig bool, ts int64, p []byte) bool {
	c := &s.crypto[dirIndex(isOrig)]
	for len(p) > 0 {
		t := p[0]
		p = p[1:]
		switch t {
		case 0x00: // PADDING
			for len(p) > 0 && p[0] == 0 {
				p = p[1:]
			}
		case 0x01: // PING
		case 0x02, 0x03: // ACK
			nv := 4
			var count uint64
			for j := 0; j < nv; j++ {
				v, n, ok := varint(p)
				if !ok {
					return false
				}
				if j == 2 {
					count = v
				}
				p = p[n:]
			}
			for r := uint64(0); r < count; r++ {
				for j := 0; j < 2; j++ {
					_, n, ok := varint(p)
					if !ok {
						return false
					}
					p = p[n:]
				}
			}
			if t == 0x03 {
				for j := 0; j < 3; j++ {
					_, n, ok := varint(p)
					if !ok {
						return false
					}
					p = p[n:]
				}
			}
		case 0x06: // CRYPTO
			off, n, ok := varint(p)
			if !ok {
				return false
			}
			p = p[n:]
			l, n, ok := varint(p)
			if !ok || l > uint64(len(p)-n) {
				return false
			}
			data := p[n : n+int(l)]
			p = p[n+int(l):]
			c.write(off, data)
			if !s.deliver(isOrig, ts, c) || c.overflow() {
				return false
			}
		case 0x1c: // CONNECTION_CLOSE (transport)
			for j := 0; j < 2; j++ {
				_, n, ok := varint(p)
				if !ok {
					return false
				}
				p = p[n:]
			}
			l, n, ok := varint(p)
			if !ok || l > uint64(len(p)-n) {
				return false
			}
			p = p[n+int(l):]
			if s.hasInfo {
				s.addHistory(isOrig, 'C')
				s.endInfo()
			}
		default:
			return false // "unhandled frame type"
		}
	}
	return true
}

// deliver hands the newly contiguous part of the handshake message to the
// TLS analyzer.
func (s *Session) deliver(isOrig bool, ts int64, c *cryptoStream) bool {
	b, ok := c.pending()
	if !ok {
		return false
	}
	if len(b) > 0 && s.tls != nil {
		s.tls.Handshake(isOrig, ts, b)
	}
	if len(b) > 0 && c.finished && s.hasInfo {
		// ssl_client_hello / ssl_server_hello add 'S' to the history.
		switch c.buf[0] {
		case 1:
			s.addHistory(true, 'S')
		case 2:
			s.addHistory(false, 'S')
		}
	}
	return true
}

// setSession is main.zeek's set_session: c$quic exists from here on.
func (s *Session) setSession() { s.hasInfo = true }

// endInfo is quic.log's log_record and delete c$quic.
func (s *Session) endInfo() {
	if s.onLog != nil {
		s.onLog(s.history)
	}
	s.hasInfo = false
	s.history = s.history[:0]
}

// addHistory is main.zeek's add_to_history; letter is upper case.
func (s *Session) addHistory(isOrig bool, letter byte) {
	if !s.hasInfo || len(s.history) >= s.maxHistory {
		return
	}
	if !isOrig {
		letter += 'a' - 'A'
	}
	s.history = append(s.history, letter)
	if len(s.history) == s.maxHistory {
		s.weirdf("QUIC_max_history_length_reached", "")
	}
}
