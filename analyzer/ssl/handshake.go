package ssl

import (
	"crypto/sha256"
	"strings"
)

// reader is a bounds-checked cursor over a handshake message.
type reader struct {
	b  []byte
	ok bool
}

func (r *reader) u8() int {
	if len(r.b) < 1 {
		r.ok = false
		return 0
	}
	v := int(r.b[0])
	r.b = r.b[1:]
	return v
}

func (r *reader) u16() int {
	if len(r.b) < 2 {
		r.ok = false
		return 0
	}
	v := int(r.b[0])<<8 | int(r.b[1])
	r.b = r.b[2:]
	return v
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || len(r.b) < n {
		r.ok = false
		r.b = nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

func versionOK(v int) bool {
	switch v {
	case SSLv2, SSLv3, TLSv10, TLSv11, TLSv12, TLSv13, DTLSv10, DTLSv12, DTLSv13:
		return true
	}
	return v>>8 == 0x7f
}

// extensions walks an extension block, calling f for each.
func extensions(b []byte, f func(typ uint16, data []byte)) bool {
	r := reader{b: b, ok: true}
	for len(r.b) > 0 {
		t := r.u16()
		l := r.u16()
		d := r.bytes(l)
		if !r.ok {
			return false
		}
		f(uint16(t), d)
	}
	return true
}

// clientHello parses a ClientHello body; false is a parse error.
func (s *Session) clientHello(isOrig bool, body []byte) bool {
	r := reader{b: body, ok: true}
	version := r.u16()
	r.bytes(32)
	sid := r.bytes(r.u8())
	ciphers := r.bytes(r.u16())
	r.bytes(r.u8())
	var ext []byte
	hasExt := false
	if r.ok && len(r.b) >= 2 {
		ext = r.bytes(r.u16())
		hasExt = true
	}
	if !r.ok {
		return false
	}
	s.ciphers, s.exts, s.sigalgs = s.ciphers[:0], s.exts[:0], s.sigalgs[:0]
	s.alpn, s.hasALPN, s.hasSNI, s.hasSV, s.maxSV = s.alpn[:0], false, false, false, 0
	for i := 0; i+2 <= len(ciphers); i += 2 {
		s.ciphers = append(s.ciphers, uint16(ciphers[i])<<8|uint16(ciphers[i+1]))
	}
	if hasExt {
		ok := extensions(ext, func(t uint16, d []byte) {
			s.exts = append(s.exts, t)
			s.evExtension(true, t, d)
		})
		if !ok {
			return false
		}
	}
	if !versionOK(version) {
		s.violation()
		s.skip = true
	} else {
		s.confirmed = true
	}
	s.evClientHello(sid)
	s.computeJA4(version)
	return true
}

// v2ClientHello handles an SSLv2-compatible client hello.
func (s *Session) v2ClientHello(isOrig bool, d *dir, body []byte) {
	r := reader{b: body, ok: true}
	csLen, sidLen, chLen := r.u16(), r.u16(), r.u16()
	r.bytes(csLen)
	sid := r.bytes(sidLen)
	r.bytes(chLen)
	if !r.ok {
		s.violation()
		return
	}
	version := int(d.hdr[3])<<8 | int(d.hdr[4])
	if !versionOK(version) {
		s.violation()
		s.skip = true
	} else {
		s.confirmed = true
	}
	s.evClientHello(sid)
	s.addHistory(true, 'c') // record_version 0: no handshake message event
}

// serverHello parses a ServerHello body.
func (s *Session) serverHello(isOrig bool, body []byte) bool {
	r := reader{b: body, ok: true}
	version := r.u16()
	random := r.bytes(32)
	draft := version>>8 == 0x7f
	var sid []byte
	if !draft {
		sid = r.bytes(r.u8())
	}
	cipher := r.u16()
	if !draft {
		r.u8()
	}
	var ext []byte
	hasExt := false
	if r.ok && len(r.b) >= 2 {
		ext = r.bytes(r.u16())
		hasExt = true
	}
	if !r.ok {
		return false
	}
	negotiated := uint16(version)
	if hasExt {
		ok := extensions(ext, func(t uint16, d []byte) {
			if t == 43 && len(d) == 2 {
				negotiated = uint16(d[0])<<8 | uint16(d[1])
			}
			s.evExtension(false, t, d)
		})
		if !ok {
			return false
		}
	}
	if !versionOK(version) {
		s.violation()
		s.skip = true
	}
	s.negotiated = negotiated
	s.cipher, s.hasCipher = uint16(cipher), true
	s.evServerHello(uint16(version), random, sid, uint16(cipher))
	return true
}

// certificate records the SHA-256 fingerprints of a Certificate
// message's chain (Zeek's file analysis hashes each certificate).
func (s *Session) certificate(isOrig bool, body []byte) bool {
	if s.isTLS13() {
		return true
	}
	if len(body) < 3 {
		return false
	}
	l := int(body[0])<<16 | int(body[1])<<8 | int(body[2])
	list := body[3:]
	if l < len(list) {
		list = list[:l]
	}
	for len(list) > 0 {
		if len(list) < 3 {
			return false
		}
		n := int(list[0])<<16 | int(list[1])<<8 | int(list[2])
		if n > len(list)-3 {
			return false
		}
		der := list[3 : 3+n]
		list = list[3+n:]
		s.setSession()
		s.certsSeen = true
		sum := sha256.Sum256(der)
		fps := &s.serverFps
		if isOrig {
			fps = &s.clientFps
		}
		for _, c := range sum {
			fps.buf = append(fps.buf, hexDigits[c>>4], hexDigits[c&0xf])
		}
		fps.ends = append(fps.ends, len(fps.buf))
	}
	return true
}

// fpList is a list of hex fingerprints in one buffer.
type fpList struct {
	buf   []byte
	ends  []int
	items [][]byte
}

func (f *fpList) reset() { f.buf, f.ends, f.items = f.buf[:0], f.ends[:0], f.items[:0] }

func (f *fpList) slices() [][]byte {
	f.items = f.items[:0]
	prev := 0
	for _, e := range f.ends {
		f.items = append(f.items, f.buf[prev:e])
		prev = e
	}
	if f.items == nil {
		f.items = [][]byte{}
	}
	return f.items
}

// serverKeyExchange picks the named curve of an ECDHE key exchange.
func (s *Session) serverKeyExchange(body []byte) bool {
	if !s.hasCipher || s.isTLS13() {
		return true
	}
	name := cipherNames[s.cipher]
	if !strings.Contains(name, "_ECDHE_") && !strings.Contains(name, "_ECDH_anon_") {
		return true
	}
	if len(body) < 3 {
		return false
	}
	if body[0] == 3 { // named_curve
		s.setSession()
		s.curve.b = appendCurveName(s.curve.b[:0], uint16(body[1])<<8|uint16(body[2]))
		s.curve.set = true
	}
	return true
}

// Script layer: scripts/base/protocols/ssl/main.zeek.

func (s *Session) setSession() {
	if !s.hasInfo {
		s.hasInfo = true
		s.infoTS = s.ts
	}
}

func (s *Session) addHistory(isClient bool, c byte) {
	if len(s.history) >= maxHistory {
		return
	}
	if isClient {
		c -= 'a' - 'A'
	}
	s.history = append(s.history, c)
	if len(s.history) == maxHistory {
		s.weirdf("SSL_max_ssl_history_length_reached", "")
	}
}

// evExtension is ssl_extension and the per-extension events.
func (s *Session) evExtension(isClient bool, t uint16, d []byte) {
	s.setSession()
	switch {
	case isClient && t == 35 && len(d) > 0:
		s.ticketEmptySession = true
	case isClient && t == 41:
		s.pskSeen = true
	case !isClient && t == 41 && s.pskSeen:
		s.resumed = true
	}
	r := reader{b: d, ok: true}
	switch t {
	case 0: // server_name
		if !isClient {
			return
		}
		if isClient {
			s.hasSNI = true
		}
		list := r.bytes(r.u16())
		lr := reader{b: list, ok: r.ok}
		n := 0
		for lr.ok && len(lr.b) > 0 {
			typ := lr.u8()
			name := lr.bytes(lr.u16())
			if !lr.ok {
				break
			}
			if typ != 0 {
				continue
			}
			if n == 0 {
				s.serverName.b = append(s.serverName.b[:0], name...)
				s.serverName.set = true
			}
			n++
		}
		if n > 1 {
			s.weirdf("SSL_many_server_names", "")
		}
	case 16: // application_layer_protocol_negotiation
		list := r.bytes(r.u16())
		lr := reader{b: list, ok: r.ok}
		first := lr.bytes(lr.u8())
		if !lr.ok {
			return
		}
		if isClient {
			s.alpn = append(s.alpn[:0], first...)
			s.hasALPN = true
			return
		}
		s.nextProto.b = append(s.nextProto.b[:0], first...)
		s.nextProto.set = true
	case 43: // supported_versions
		if isClient {
			list := r.bytes(r.u8())
			for i := 0; i+2 <= len(list); i += 2 {
				v := uint16(list[i])<<8 | uint16(list[i+1])
				if !isGREASE(v) && v > s.maxSV {
					s.maxSV = v
				}
			}
			s.hasSV = r.ok
			return
		}
		if len(d) == 2 {
			v := uint16(d[0])<<8 | uint16(d[1])
			s.versionNum, s.hasVersionNum = v, true
			s.version.b = appendVersionName(s.version.b[:0], v)
			s.version.set = true
		}
	case 13: // signature_algorithms
		if isClient {
			list := r.bytes(r.u16())
			for i := 0; i+2 <= len(list); i += 2 {
				s.sigalgs = append(s.sigalgs, uint16(list[i])<<8|uint16(list[i+1]))
			}
		}
	case 51: // key_share
		if !isClient && len(d) >= 2 {
			s.curve.b = appendCurveName(s.curve.b[:0], uint16(d[0])<<8|uint16(d[1]))
			s.curve.set = true
		}
	}
}

func (s *Session) evClientHello(sid []byte) {
	s.setSession()
	if len(sid) > 0 && !(len(sid) == 32 && allZero(sid)) {
		s.sessionID = append(s.sessionID[:0], sid...)
		s.hasSessionID = true
		s.ticketEmptySession = false
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

var hrrRandom = [32]byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

func (s *Session) evServerHello(version uint16, random, sid []byte, cipher uint16) {
	s.setSession()
	if !s.hasVersionNum {
		s.versionNum, s.hasVersionNum = version, true
		s.version.b = appendVersionName(s.version.b[:0], version)
		s.version.set = true
	}
	s.cipherName.b = appendCipherName(s.cipherName.b[:0], cipher)
	s.cipherName.set = true
	if string(random) == string(hrrRandom[:]) {
		s.hrrSeen = true
	}
	if s.hasSessionID && string(s.sessionID) == string(sid) && s.versionNum/0xff != 0x7f && s.versionNum != TLSv13 {
		s.resumed = true
	}
	if version == SSLv2 {
		s.addHistory(false, 's')
	}
}

var historyLetters = [256]byte{
	0: 'h', 1: 'c', 2: 's', 3: 'v', 4: 't', 5: 'e', 6: 'j', 8: 'o', 11: 'x', 12: 'k',
	13: 'r', 14: 'n', 15: 'y', 16: 'g', 20: 'f', 21: 'w', 22: 'u', 23: 'a', 24: 'p', 254: 'm',
}

func (s *Session) evHandshakeMessage(isClient bool, typ uint8) {
	s.setSession()
	if isClient && typ == 16 {
		s.ckeSeen = true
	}
	c := historyLetters[typ]
	if c == 0 {
		c = 'z'
	}
	if typ == 2 && s.hrrSeen {
		c = 'j'
		s.hrrSeen = false
	}
	s.addHistory(isClient, c)
}

func (s *Session) evCCS(isClient bool) {
	s.setSession()
	s.addHistory(isClient, 'i')
	if isClient && s.ticketEmptySession && !s.ckeSeen {
		s.resumed = true
	}
}

func (s *Session) evAlert(isClient bool, desc uint8) {
	s.setSession()
	s.addHistory(isClient, 'l')
	s.lastAlert.b = appendAlertName(s.lastAlert.b[:0], desc)
	s.lastAlert.set = true
}

// evEstablished is ssl_established: the record is written and, as with
// SSL::disable_analyzer_after_detection, analysis stops.
func (s *Session) evEstablished() {
	s.setSession()
	if !s.logged {
		s.write()
	}
	s.skip = true
}

func (s *Session) write() {
	s.logged = true
	r := &s.rec
	*r = Record{
		TS:           s.infoTS,
		ID:           s.id,
		Version:      s.version.get(),
		Cipher:       s.cipherName.get(),
		Curve:        s.curve.get(),
		ServerName:   s.serverName.get(),
		Resumed:      s.resumed,
		LastAlert:    s.lastAlert.get(),
		NextProtocol: s.nextProto.get(),
		Established:  s.established,
		History:      s.history,
		JA4:          s.ja4.get(),
	}
	if s.certsSeen {
		r.CertChainFps = s.serverFps.slices()
		r.ClientCertChainFps = s.clientFps.slices()
	}
	if s.emit != nil {
		s.emit(r)
	}
}

// JA4 (FoxIO's TLS client fingerprint) of the client hello.

const hexDigits = "0123456789abcdef"

func appendHex16(dst []byte, v uint16) []byte {
	return append(dst, hexDigits[v>>12], hexDigits[v>>8&0xf], hexDigits[v>>4&0xf], hexDigits[v&0xf])
}

func sortU16(a []uint16) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func isAlnum(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func appendCount(dst []byte, n int) []byte {
	if n > 99 {
		n = 99
	}
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}

func (s *Session) computeJA4(legacy int) {
	v := uint16(legacy)
	if s.hasSV && s.maxSV != 0 {
		v = s.maxSV
	}
	proto := byte('t')
	if s.quic {
		proto = 'q'
	}
	out := append(s.ja4.b[:0], proto)
	switch v {
	case TLSv13:
		out = append(out, "13"...)
	case TLSv12:
		out = append(out, "12"...)
	case TLSv11:
		out = append(out, "11"...)
	case TLSv10:
		out = append(out, "10"...)
	case SSLv3:
		out = append(out, "s3"...)
	case SSLv2:
		out = append(out, "s2"...)
	case DTLSv10:
		out = append(out, "d1"...)
	case DTLSv12:
		out = append(out, "d2"...)
	case DTLSv13:
		out = append(out, "d3"...)
	default:
		out = append(out, "00"...)
	}
	if s.hasSNI {
		out = append(out, 'd')
	} else {
		out = append(out, 'i')
	}
	// Drop GREASE values in place.
	ciphers := s.ciphers[:0]
	for _, c := range s.ciphers {
		if !isGREASE(c) {
			ciphers = append(ciphers, c)
		}
	}
	exts := s.exts[:0]
	for _, e := range s.exts {
		if !isGREASE(e) {
			exts = append(exts, e)
		}
	}
	out = appendCount(out, len(ciphers))
	out = appendCount(out, len(exts))
	switch a := s.alpn; {
	case !s.hasALPN || len(a) == 0:
		out = append(out, "00"...)
	case isAlnum(a[0]) && isAlnum(a[len(a)-1]):
		out = append(out, a[0], a[len(a)-1])
	default:
		out = append(out, hexDigits[a[0]>>4], hexDigits[a[len(a)-1]&0xf])
	}
	out = append(out, '_')

	sortU16(ciphers)
	sc := s.ja4Scratch[:0]
	for i, c := range ciphers {
		if i > 0 {
			sc = append(sc, ',')
		}
		sc = appendHex16(sc, c)
	}
	out = appendHash12(out, sc, len(ciphers) == 0)
	out = append(out, '_')

	sortU16(exts)
	sc = sc[:0]
	n := 0
	for _, e := range exts {
		if e == 0x0000 || e == 0x0010 {
			continue
		}
		if n > 0 {
			sc = append(sc, ',')
		}
		sc = appendHex16(sc, e)
		n++
	}
	first := true
	for _, a := range s.sigalgs {
		if isGREASE(a) {
			continue
		}
		if first {
			sc = append(sc, '_')
			first = false
		} else {
			sc = append(sc, ',')
		}
		sc = appendHex16(sc, a)
	}
	out = appendHash12(out, sc, n == 0)
	s.ja4Scratch = sc
	s.ja4.b, s.ja4.set = out, true
}

func appendHash12(dst, in []byte, empty bool) []byte {
	if empty {
		return append(dst, "000000000000"...)
	}
	sum := sha256.Sum256(in)
	for _, c := range sum[:6] {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}
