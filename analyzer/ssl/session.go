package ssl

import "xsensor/analyzer/conn"

const (
	// maxHandshake bounds a buffered handshake message; longer ones
	// (certificate chains) are skipped after their header.
	maxHandshake = 1 << 16
	// maxHistory is SSL::max_ssl_history_length.
	maxHistory = 100
	// maxAlertsPerRecord is SSL::max_alerts_per_record.
	maxAlertsPerRecord = 10
	// violationWindow is DPD::ignore_violations_after.
	violationWindow = 10 * 1024
)

// Record content types.
const (
	ctChangeCipherSpec = 20
	ctAlert            = 21
	ctHandshake        = 22
	ctApplicationData  = 23
	ctHeartbeat        = 24
	ctV2ClientHello    = 301
)

// dir is one direction's record-layer and handshake reassembly state.
type dir struct {
	hdr       [5]byte
	hdrN      int
	need      int    // body bytes still to come for the current record
	keep      bool   // the body is needed (buffered in body)
	body      []byte // buffered record body
	ctype     int
	version   int
	encrypted bool

	hs     []byte // a handshake message being reassembled (header included)
	hsSkip int    // bytes of an oversized handshake message still to skip
	hsType uint8
	hsLen  int
}

// field is an optional string field.
type field struct {
	b   []byte
	set bool
}

func (f *field) get() []byte {
	if !f.set {
		return nil
	}
	if f.b == nil {
		return []byte{}
	}
	return f.b
}

// Session is the SSL/TLS analyzer of one TCP connection.
//
// A Session is owned by one worker goroutine; it is not safe for
// concurrent use. Reset makes it reusable for a new connection, keeping
// its buffers: a warmed Session does not allocate.
type Session struct {
	id    conn.ID
	emit  func(*Record)
	weird func(name, addl string)
	ts    int64
	seen  uint64

	orig, resp         dir
	recordLayerVersion int // -1: not yet known
	negotiated         uint16
	skip               bool // no more parsing (violation, gap, established)
	established        bool
	quic               bool // handshake bytes came through Handshake
	confirmed          bool
	violated           bool
	cipher             uint16
	hasCipher          bool

	// Script layer (SSL::Info).
	hasInfo, logged                        bool
	infoTS                                 int64
	version, cipherName, curve, serverName field
	lastAlert, nextProto                   field
	history                                []byte
	versionNum                             uint16
	hasVersionNum                          bool
	sessionID                              []byte
	hasSessionID                           bool
	resumed, ticketEmptySession            bool
	ckeSeen, pskSeen, hrrSeen              bool

	// Certificate fingerprints (set once a Certificate message is seen).
	certsSeen            bool
	serverFps, clientFps fpList

	// JA4 of the client hello.
	ja4                    field
	ciphers, exts, sigalgs []uint16
	alpn                   []byte
	hasALPN, hasSNI, hasSV bool
	maxSV                  uint16
	ja4Scratch             []byte
	rec                    Record
}

// Reset prepares s for a new connection. emit receives the ssl.log record
// (valid during the call only); weird receives Zeek weird names. Either
// may be nil.
func (s *Session) Reset(id conn.ID, emit func(*Record), weird func(name, addl string)) {
	resetDir := func(d *dir) dir {
		return dir{body: d.body[:0], hs: d.hs[:0]}
	}
	o, r := resetDir(&s.orig), resetDir(&s.resp)
	sf, cf := s.serverFps, s.clientFps
	sf.reset()
	cf.reset()
	*s = Session{
		id: id, emit: emit, weird: weird,
		orig: o, resp: r,
		recordLayerVersion: -1,
		version:            field{b: s.version.b[:0]},
		cipherName:         field{b: s.cipherName.b[:0]},
		curve:              field{b: s.curve.b[:0]},
		serverName:         field{b: s.serverName.b[:0]},
		lastAlert:          field{b: s.lastAlert.b[:0]},
		nextProto:          field{b: s.nextProto.b[:0]},
		history:            s.history[:0],
		sessionID:          s.sessionID[:0],
		ja4:                field{b: s.ja4.b[:0]},
		ciphers:            s.ciphers[:0],
		exts:               s.exts[:0],
		sigalgs:            s.sigalgs[:0],
		alpn:               s.alpn[:0],
		ja4Scratch:         s.ja4Scratch[:0],
		serverFps:          sf,
		clientFps:          cf,
	}
}

// Confirmed reports Zeek's analyzer_confirmation: a client hello with a
// supported version was seen.
func (s *Session) Confirmed() bool { return s.confirmed }

// Violated reports a protocol violation within the first 10 KiB of the
// connection: Zeek's default scripts disable the analyzer then. The
// Session stops parsing by itself where Zeek's analyzer does; Done is
// still to be called.
func (s *Session) Violated() bool { return s.violated }

func (s *Session) weirdf(name, addl string) {
	if s.weird != nil {
		s.weird(name, addl)
	}
}

func (s *Session) dir(isOrig bool) *dir {
	if isOrig {
		return &s.orig
	}
	return &s.resp
}

// violation is AnalyzerViolation: the script layer writes the record
// (main.zeek's analyzer_violation_info handler).
func (s *Session) violation() {
	if s.seen <= violationWindow {
		s.violated = true
	}
	if s.hasInfo && !s.logged {
		s.write()
	}
}

// Data delivers in-order stream bytes of one direction; b is not retained.
func (s *Session) Data(isOrig bool, ts int64, b []byte) {
	s.ts = ts
	s.seen += uint64(len(b))
	d := s.dir(isOrig)
	for len(b) > 0 && !s.skip {
		if d.hdrN < 5 {
			n := copy(d.hdr[d.hdrN:], b)
			d.hdrN += n
			b = b[n:]
			if d.hdrN < 5 {
				return
			}
			s.startRecord(isOrig, d)
			if !s.skip && d.need == 0 {
				s.endRecord(isOrig, d, nil)
			}
			continue
		}
		n := d.need
		if n > len(b) {
			n = len(b)
		}
		if d.keep {
			if len(d.body) == 0 && n == d.need {
				d.need = 0
				s.endRecord(isOrig, d, b[:n])
				b = b[n:]
				continue
			}
			d.body = append(d.body, b[:n]...)
		}
		d.need -= n
		b = b[n:]
		if d.need == 0 {
			s.endRecord(isOrig, d, d.body)
		}
	}
}

// Handshake delivers handshake-layer bytes that do not travel in TLS
// records: the in-order CRYPTO stream of one direction of a QUIC
// connection, once a QUIC analyzer has decrypted its Initial packets (as
// Zeek's QUIC analyzer hands them to its SSL analyzer). The JA4 then
// starts with 'q'.
func (s *Session) Handshake(isOrig bool, ts int64, b []byte) {
	s.ts = ts
	s.seen += uint64(len(b))
	s.quic = true
	if !s.skip {
		s.handshakeData(isOrig, s.dir(isOrig), b)
	}
}

// Gap stops the analysis, as Zeek's SSL analyzer does after a content gap.
func (s *Session) Gap(isOrig bool, n int) {
	s.seen += uint64(n)
	s.skip = true
}

// EOF notes a FIN; nothing is pending at the record layer.
func (s *Session) EOF(isOrig bool, ts int64) { s.ts = ts }

// Done writes the record if it was not yet (finalize_ssl).
func (s *Session) Done(ts int64) {
	s.ts = ts
	s.skip = true
	if s.hasInfo && !s.logged {
		s.write()
	}
}

// recordLayer is determine_ssl_record_layer: the record's version, or -1.
func (s *Session) recordLayer(h *[5]byte, isOrig bool) int {
	if s.recordLayerVersion >= 0 && s.recordLayerVersion != SSLv2 {
		v := int(h[1])<<8 | int(h[2])
		if v < SSLv3 || v > TLSv12 {
			s.violation()
			s.skip = true
			return -1
		}
	}
	if s.recordLayerVersion >= 0 {
		return s.recordLayerVersion
	}
	if h[0]&0x80 != 0 {
		if h[2] == 0x01 && isOrig {
			v := int(h[3])<<8 | int(h[4])
			if v != SSLv2 && (v < SSLv3 || v > TLSv12) {
				s.violation()
				s.skip = true
				return -1
			}
			return SSLv2
		}
		if h[2] == 0x04 && h[4] < 2 && !isOrig {
			s.recordLayerVersion = SSLv2
			return SSLv2
		}
		s.violation()
		s.skip = true
		return -1
	}
	v := int(h[1])<<8 | int(h[2])
	if v < SSLv3 || v > TLSv12 {
		s.violation()
		s.skip = true
		return -1
	}
	if h[0] >= 20 && h[0] <= 30 {
		s.recordLayerVersion = v
		return v
	}
	s.violation()
	s.skip = true
	return -1
}

func (s *Session) isTLS13() bool {
	v := s.negotiated
	return v == TLSv13 || v>>8 == 0x7f
}

func (s *Session) startRecord(isOrig bool, d *dir) {
	h := &d.hdr
	v := s.recordLayer(h, isOrig)
	if v < 0 {
		return
	}
	d.version = v
	d.body = d.body[:0]
	if v == SSLv2 {
		d.ctype = int(h[2]) + 300
		d.need = (int(h[0]&0x7f)<<8 | int(h[1])) - 3
		if d.need < 0 {
			d.need = 0
		}
		d.keep = d.ctype == ctV2ClientHello
		return
	}
	d.ctype = int(h[0])
	d.need = int(h[3])<<8 | int(h[4])
	// determine_state: TLS 1.3 application data switches to encrypted.
	if !d.encrypted && d.ctype == ctApplicationData {
		switch s.negotiated {
		case SSLv2, SSLv3, TLSv10, TLSv11, TLSv12:
		default:
			d.encrypted = true
		}
	}
	if d.encrypted {
		d.keep = false
		return
	}
	switch d.ctype {
	case ctChangeCipherSpec, ctAlert, ctHandshake, ctHeartbeat:
		d.keep = true
	default:
		d.keep = false
	}
}

func (s *Session) endRecord(isOrig bool, d *dir, body []byte) {
	d.hdrN = 0
	defer0 := d.ctype
	switch {
	case d.version == SSLv2:
		if defer0 == ctV2ClientHello {
			s.v2ClientHello(isOrig, d, body)
		}
	case d.encrypted:
		if s.orig.encrypted && s.resp.encrypted && !s.established {
			s.established = true
			s.evEstablished()
		}
	default:
		switch defer0 {
		case ctChangeCipherSpec:
			s.evCCS(isOrig)
			if !s.isTLS13() {
				d.encrypted = true
			}
		case ctAlert:
			max := maxAlertsPerRecord * 2
			if s.isTLS13() {
				max = 2
			}
			n := len(body)
			if n > max {
				s.weirdf("SSL_excessive_alerts_in_record", "")
				n = max
			}
			for i := 0; i+2 <= n; i += 2 {
				s.evAlert(isOrig, body[i+1])
			}
		case ctHandshake:
			s.handshakeData(isOrig, d, body)
		case ctHeartbeat:
			if len(body) >= 3 {
				s.setSession()
				s.addHistory(isOrig, 'b')
			}
		case ctApplicationData:
			s.setSession()
			if s.version.set && !s.established {
				s.weirdf("ssl_early_application_data", "")
			}
		default:
			s.violation()
		}
	}
	d.body = d.body[:0]
}

// handshakeData reassembles handshake messages across records.
func (s *Session) handshakeData(isOrig bool, d *dir, data []byte) {
	for len(data) > 0 && !s.skip {
		if d.hsSkip > 0 {
			n := d.hsSkip
			if n > len(data) {
				n = len(data)
			}
			d.hsSkip -= n
			data = data[n:]
			if d.hsSkip == 0 {
				s.handshakeMessage(isOrig, d.hsType, d.hsLen, nil)
			}
			continue
		}
		if len(d.hs) == 0 && len(data) >= 4 {
			l := int(data[1])<<16 | int(data[2])<<8 | int(data[3])
			if len(data) >= 4+l {
				s.handshakeMessage(isOrig, data[0], l, data[4:4+l])
				data = data[4+l:]
				continue
			}
		}
		if len(d.hs) < 4 {
			n := 4 - len(d.hs)
			if n > len(data) {
				n = len(data)
			}
			d.hs = append(d.hs, data[:n]...)
			data = data[n:]
			if len(d.hs) < 4 {
				return
			}
			l := int(d.hs[1])<<16 | int(d.hs[2])<<8 | int(d.hs[3])
			if l > maxHandshake {
				d.hsSkip, d.hsType, d.hsLen = l, d.hs[0], l
				d.hs = d.hs[:0]
				continue
			}
		}
		l := int(d.hs[1])<<16 | int(d.hs[2])<<8 | int(d.hs[3])
		n := 4 + l - len(d.hs)
		if n > len(data) {
			n = len(data)
		}
		d.hs = append(d.hs, data[:n]...)
		data = data[n:]
		if len(d.hs) == 4+l {
			s.handshakeMessage(isOrig, d.hs[0], l, d.hs[4:])
			d.hs = d.hs[:0]
		}
	}
}

func (s *Session) handshakeMessage(isOrig bool, typ uint8, length int, body []byte) {
	ok := true
	switch typ {
	case 1:
		ok = s.clientHello(isOrig, body)
	case 2:
		ok = s.serverHello(isOrig, body)
	case 11:
		if body != nil {
			ok = s.certificate(isOrig, body)
		}
	case 12:
		ok = s.serverKeyExchange(body)
	}
	if !ok {
		// A binpac parse error: a violation, and no message event.
		s.violation()
		return
	}
	s.evHandshakeMessage(isOrig, typ)
}

// Detect is Zeek's SSL DPD signatures (base/protocols/ssl/dpd.sig): a TLS
// client hello or server hello (optionally after an alert record) at the
// start of the stream.
func Detect(isOrig bool, b []byte) bool {
	okMinor := func(c byte) bool { return c <= 3 }
	// dpd_tls_client: \x16\x03[\x00-\x03]..\x01...\x03[\x00-\x03]
	if len(b) >= 11 && b[0] == 0x16 && b[1] == 3 && okMinor(b[2]) && b[5] == 1 && b[9] == 3 && okMinor(b[10]) {
		return true
	}
	// dpd_tls_server: (\x15\x03[\x00-\x03]....)?\x16\x03[\x00-\x03]..\x02...((\x03[\x00-\x04])|(\x7F[\x00-\x50]))
	if len(b) >= 7 && b[0] == 0x15 && b[1] == 3 && okMinor(b[2]) {
		b = b[7:]
	}
	return len(b) >= 11 && b[0] == 0x16 && b[1] == 3 && okMinor(b[2]) && b[5] == 2 &&
		((b[9] == 3 && b[10] <= 4) || (b[9] == 0x7f && b[10] <= 0x50))
}
