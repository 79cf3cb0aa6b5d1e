package dns

import (
	"encoding/binary"
	"net/netip"
	"strconv"
)

// maxName is the size of Zeek's name buffers (u_char name[513], 512 usable).
const maxName = 512

// Record types the analyzer knows (Zeek's RR_Type).
const (
	typeA          = 1
	typeNS         = 2
	typeCNAME      = 5
	typeSOA        = 6
	typeWKS        = 11
	typePTR        = 12
	typeHINFO      = 13
	typeMX         = 15
	typeTXT        = 16
	typeAAAA       = 28
	typeLOC        = 29
	typeNBS        = 32
	typeSRV        = 33
	typeNAPTR      = 35
	typeA6         = 38
	typeEDNS       = 41
	typeDS         = 43
	typeSSHFP      = 44
	typeRRSIG      = 46
	typeNSEC       = 47
	typeDNSKEY     = 48
	typeNSEC3      = 50
	typeNSEC3PARAM = 51
	typeSVCB       = 64
	typeHTTPS      = 65
	typeSPF        = 99
	typeTSIG       = 250
	typeCAA        = 257
	typeBINDS      = 65534
)

// Opcodes main.zeek tracks.
const (
	opQuery  = 0
	opNotify = 4
	opUpdate = 5
)

type header struct {
	id                                 uint16
	qr, aa, tc, rd, ra                 bool
	opcode                             uint8
	z                                  uint8
	rcode                              uint16
	qdcount, ancount, nscount, arcount int
}

func (h *header) tracked() bool {
	return h.opcode == opQuery || h.opcode == opNotify || h.opcode == opUpdate
}

// cursor is Zeek's (data, len) pair over one message.
type cursor struct {
	msg []byte
	pos int // offset of data in msg
	n   int // len: bytes left that may be read
}

func (c *cursor) short() uint16 {
	if c.n < 2 {
		return 0
	}
	v := binary.BigEndian.Uint16(c.msg[c.pos:])
	c.pos += 2
	c.n -= 2
	return v
}

func (c *cursor) long() uint32 {
	if c.n < 4 {
		return 0
	}
	v := binary.BigEndian.Uint32(c.msg[c.pos:])
	c.pos += 4
	c.n -= 4
	return v
}

// skip advances by k bytes (Zeek's data += rdlength; len -= rdlength).
// Callers guarantee 0 <= k <= n.
func (c *cursor) skip(k int) {
	if k < 0 {
		k = 0
	}
	if k > c.n {
		k = c.n
	}
	c.pos += k
	c.n -= k
}

// parseMessage is DNS_Interpreter::ParseMessage. isQuery is 1 for the
// originator's messages, 0 for the responder's, 2 when unknown.
func (s *Session) parseMessage(ts int64, msg []byte, isQuery int) {
	if len(msg) < 12 {
		s.weird("DNS_truncated_len_lt_hdr_len", "")
		return
	}
	var h header
	h.id = binary.BigEndian.Uint16(msg[0:])
	fl := binary.BigEndian.Uint16(msg[2:])
	h.qr = fl&0x8000 != 0
	h.opcode = uint8(fl>>11) & 0xf
	h.aa = fl&0x0400 != 0
	h.tc = fl&0x0200 != 0
	h.rd = fl&0x0100 != 0
	h.ra = fl&0x0080 != 0
	h.z = uint8(fl>>4) & 0x7
	h.rcode = fl & 0xf
	h.qdcount = int(binary.BigEndian.Uint16(msg[4:]))
	h.ancount = int(binary.BigEndian.Uint16(msg[6:]))
	h.nscount = int(binary.BigEndian.Uint16(msg[8:]))
	h.arcount = int(binary.BigEndian.Uint16(msg[10:]))

	if s.firstMessage && h.qr && isQuery == 1 {
		if !s.multicast {
			s.id.OrigH, s.id.RespH = s.id.RespH, s.id.OrigH
			s.id.OrigP, s.id.RespP = s.id.RespP, s.id.OrigP
			s.multicast = isMulticast(s.id.RespH)
			if s.flip != nil {
				s.flip()
			}
		}
	}
	s.firstMessage = false

	tracked := h.tracked()
	if tracked {
		s.setSession(ts, &h)
	}

	if h.qdcount > MaxQueries {
		s.violated = true
		var b [32]byte
		a := strconv.AppendInt(b[:0], int64(h.qdcount), 10)
		a = append(a, " > "...)
		a = strconv.AppendInt(a, MaxQueries, 10)
		s.weird("DNS_Conn_count_too_large", string(a))
		s.endMessage(&h)
		return
	}

	c := cursor{msg: msg, pos: 12, n: len(msg) - 12}
	for n := h.qdcount; n > 0; n-- {
		if !s.parseQuestion(&h, &c, tracked) {
			s.endMessage(&h)
			return
		}
	}
	for n := h.ancount; n > 0; n-- {
		if !s.parseAnswer(ts, &h, &c, tracked) {
			s.endMessage(&h)
			return
		}
	}
	s.confirmed = true
	// Authority and additional sections are skipped (dns_skip_all_auth,
	// dns_skip_all_addl).
	s.endMessage(&h)
}

// extractName is DNS_Interpreter::ExtractName: it reads a (possibly
// compressed) name at c into s.name and returns its length. Compression
// pointers must point before the pointer itself, so the walk ends.
func (s *Session) extractName(c *cursor) int {
	out := 0
	room := maxName
	// The walk: (pos, n) starts as the caller's cursor; after the first
	// pointer the caller's cursor stops and the walk continues on a
	// private one limited to the bytes before the pointer.
	cur := c
	var priv cursor
	for {
		if cur.n <= 0 {
			break
		}
		orig := cur.pos
		ll := int(cur.msg[cur.pos])
		cur.pos++
		cur.n--
		if cur.n <= 0 {
			break
		}
		if ll == 0 {
			break
		}
		if ll&0xc0 == 0xc0 {
			off := (ll&^0xc0)<<8 | int(cur.msg[cur.pos])
			cur.pos++
			cur.n--
			if off >= orig {
				s.weird("DNS_label_forward_compress_offset", "")
				break
			}
			priv = cursor{msg: cur.msg, pos: off, n: orig - off}
			cur = &priv
			continue
		}
		if ll > cur.n {
			s.weird("DNS_label_len_gt_pkt", "")
			cur.pos += cur.n
			cur.n = 0
			break
		}
		if ll > 63 && !s.netbios {
			s.weird("DNS_label_too_long", "")
			break
		}
		if ll >= room {
			s.weird("DNS_label_len_gt_name_len", "")
			break
		}
		copy(s.name[out:], cur.msg[cur.pos:cur.pos+ll])
		out += ll
		s.name[out] = '.'
		out++
		room -= ll + 1
		cur.pos += ll
		cur.n -= ll
	}
	if out >= 255 {
		s.weird("DNS_NAME_too_long", "")
	}
	if out >= 2 && s.name[out-1] == '.' {
		out--
	}
	return out
}

func lower(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// parseQuestion is DNS_Interpreter::ParseQuestion with the dns_request and
// dns_rejected handlers of main.zeek.
func (s *Session) parseQuestion(h *header, c *cursor, tracked bool) bool {
	n := s.extractName(c)
	if c.n < 4 {
		s.weird("DNS_truncated_quest_too_short", "")
		return false
	}
	qtype := c.short()
	qclass := c.short()
	if !tracked || s.cur < 0 {
		return true
	}
	r := &s.recs[s.cur]
	name := s.name[:n]
	lower(name)
	switch {
	case !h.qr:
		r.RD, r.TC, r.Z = h.rd, h.tc, h.z
		r.QClass, r.QType, r.HasQType = qclass, qtype, true
		if s.id.RespP == 137 && s.id.Proto == 17 {
			if d := decodeNetbiosName(name, s.scratch[:0]); len(d) > 0 {
				s.scratch = d
				name = d
			}
		}
		r.Query = append(r.Query[:0], name...)
		r.HasQuery = true
	case h.ancount == 0 && h.nscount == 0 && h.arcount == 0:
		r.Rejected = true
	}
	return true
}

// decodeNetbiosName is Zeek's decode_netbios_name: 32 characters 'A'..'P'
// encode 16 bytes; the 16th (the name type) and trailing spaces are
// dropped. It returns nil when name is not a NetBIOS name.
func decodeNetbiosName(name, dst []byte) []byte {
	if len(name) < 32 {
		return nil
	}
	dst = dst[:0]
	for i := 0; i+1 < 32; i += 2 {
		a, b := name[i]&^0x20, name[i+1]&^0x20
		if a < 'A' || a > 'P' || b < 'A' || b > 'P' {
			return nil
		}
		dst = append(dst, (a-'A')<<4|(b-'A'))
	}
	dst = dst[:15]
	for len(dst) > 0 && (dst[len(dst)-1] == ' ' || dst[len(dst)-1] == 0) {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// parseAnswer is DNS_Interpreter::ParseAnswer for the answer section, with
// the reply handlers of main.zeek (do_reply).
func (s *Session) parseAnswer(ts int64, h *header, c *cursor, tracked bool) bool {
	n := s.extractName(c)
	if c.n < 4 {
		s.weird("DNS_truncated_ans_too_short", "")
		return false
	}
	lower(s.name[:n])
	// The answer's owner name is kept for "if ! c$dns?$query" and NSEC.
	ownerLen := n
	var owner [maxName]byte
	copy(owner[:], s.name[:n])

	atype := c.short()
	_ = c.short() // class
	ttl := c.long()
	rdlength := int(c.short())
	if rdlength > c.n {
		s.weird("DNS_truncated_RR_rdlength_lt_len", "")
		return false
	}
	start := c.pos
	out := s.scratch[:0]
	reply := true // whether the type has a reply handler in main.zeek
	status := true

	switch atype {
	case typeA:
		if rdlength != 4 {
			s.weird("DNS_RR_bad_length", "")
			return false
		}
		v := c.long()
		out = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).AppendTo(out)
	case typeAAAA, typeA6:
		var a [16]byte
		for i := 0; i < 4; i++ {
			binary.BigEndian.PutUint32(a[i*4:], c.long())
		}
		out = netip.AddrFrom16(a).AppendTo(out)
	case typeNS, typeCNAME, typePTR:
		k := s.extractName(c)
		if c.pos-start != rdlength {
			s.weird("DNS_RR_length_mismatch", "")
		}
		lower(s.name[:k])
		out = append(out, s.name[:k]...)
	case typeSOA:
		k := s.extractName(c)
		lower(s.name[:k])
		out = append(out, s.name[:k]...)
		s.extractName(c) // rname
		if c.n < 20 {
			return false
		}
		c.skip(20)
		if c.pos-start != rdlength {
			s.weird("DNS_RR_length_mismatch", "")
		}
	case typeMX:
		c.short()
		k := s.extractName(c)
		if c.pos-start != rdlength {
			s.weird("DNS_RR_length_mismatch", "")
		}
		lower(s.name[:k])
		out = append(out, s.name[:k]...)
	case typeTXT, typeSPF:
		label := "TXT "
		if atype == typeSPF {
			label = "SPF "
		}
		rd := rdlength
		first := true
		for rd > 0 {
			sz := int(c.msg[c.pos])
			rd--
			c.pos++
			c.n--
			if sz > rd {
				s.weird("DNS_TXT_char_str_past_rdlen", "")
				break
			}
			if !first {
				out = append(out, ' ')
			}
			first = false
			out = append(out, label...)
			out = strconv.AppendInt(out, int64(sz), 10)
			out = append(out, ' ')
			out = append(out, c.msg[c.pos:c.pos+sz]...)
			c.pos += sz
			c.n -= sz
			rd -= sz
		}
		status = rd == 0
	case typeSRV:
		if s.id.RespP == 137 {
			// NetBIOS NBSTAT: Zeek neither parses nor skips it.
			reply = false
			break
		}
		c.short()
		c.short()
		c.short()
		k := s.extractName(c)
		if c.pos-start != rdlength {
			s.weird("DNS_RR_length_mismatch", "")
		}
		lower(s.name[:k])
		out = append(out, s.name[:k]...)
	case typeRRSIG:
		if c.n < 18 {
			return false
		}
		covered := c.short()
		c.short()  // algorithm, labels
		c.skip(14) // original TTL, expiration, inception, key tag
		k := s.extractName(c)
		lower(s.name[:k])
		out = append(out, "RRSIG "...)
		out = strconv.AppendUint(out, uint64(covered), 10)
		out = append(out, ' ')
		if k == 0 {
			out = append(out, "<Root>"...)
		} else {
			out = append(out, s.name[:k]...)
		}
		s.skipTo(c, start+rdlength)
	case typeDNSKEY:
		if c.n < 4 {
			return false
		}
		c.short()
		pa := c.short()
		out = append(out, "DNSKEY "...)
		out = strconv.AppendUint(out, uint64(pa&0xff), 10)
		s.skipTo(c, start+rdlength)
	case typeNSEC:
		k := s.extractName(c)
		lower(s.name[:k])
		out = append(out, "NSEC "...)
		out = append(out, owner[:ownerLen]...)
		out = append(out, ' ')
		out = append(out, s.name[:k]...)
		s.skipTo(c, start+rdlength)
	case typeNSEC3:
		out = append(out, "NSEC3"...)
		c.skip(rdlength)
	case typeNSEC3PARAM:
		out = append(out, "NSEC3PARAM"...)
		c.skip(rdlength)
	case typeDS:
		if rdlength < 4 {
			c.skip(rdlength)
			reply = false
			break
		}
		c.short()
		ad := c.short()
		out = append(out, "DS "...)
		out = strconv.AppendUint(out, uint64(ad>>8), 10)
		out = append(out, ' ')
		out = strconv.AppendUint(out, uint64(ad&0xff), 10)
		c.skip(rdlength - 4)
	case typeBINDS:
		out = append(out, "BIND9 signing signal"...)
		c.skip(rdlength)
	case typeSSHFP:
		if rdlength < 2 {
			c.skip(rdlength)
			reply = false
			break
		}
		c.short()
		out = append(out, "SSHFP: "...)
		const hexd = "0123456789abcdef"
		for _, b := range c.msg[c.pos : c.pos+rdlength-2] {
			out = append(out, hexd[b>>4], hexd[b&15])
		}
		c.skip(rdlength - 2)
	case typeLOC:
		if rdlength < 16 {
			c.skip(rdlength)
			reply = false
			break
		}
		d := c.msg[c.pos:]
		out = append(out, "LOC:  "...)
		out = strconv.AppendUint(out, uint64(d[1]), 10)
		out = append(out, ' ')
		out = strconv.AppendUint(out, uint64(d[2]), 10)
		out = append(out, ' ')
		out = strconv.AppendUint(out, uint64(d[3]), 10)
		c.skip(rdlength)
	case typeNAPTR:
		out, reply = s.naptr(c, start+rdlength, out)
		s.skipTo(c, start+rdlength)
	case typeWKS, typeHINFO, typeNBS, typeEDNS, typeTSIG, typeCAA, typeSVCB, typeHTTPS:
		// Parsed by Zeek, but main.zeek adds nothing to answers.
		reply = false
		c.skip(rdlength)
	default:
		out = append(out, "<unknown type="...)
		out = strconv.AppendUint(out, uint64(atype), 10)
		out = append(out, '>')
		var b [8]byte
		s.weird("DNS_RR_unknown_type", string(strconv.AppendUint(b[:0], uint64(atype), 10)))
		c.skip(rdlength)
	}
	s.scratch = out[:0]
	if reply && tracked && h.qr && s.cur >= 0 {
		r := &s.recs[s.cur]
		if !r.HasQuery {
			r.Query = append(r.Query[:0], owner[:ownerLen]...)
			r.HasQuery = true
		}
		r.AA, r.RA = h.aa, h.ra
		if !r.HasRTT {
			if d := ts - r.TS; d != 0 {
				r.RTT, r.HasRTT = d, true
			}
		}
		if len(out) > 0 {
			r.addAnswer(out, ttl)
		}
	}
	return status
}

// skipTo moves c to offset end when it is ahead (used where Zeek consumes
// the rest of the rdata as one blob).
func (s *Session) skipTo(c *cursor, end int) {
	if end > c.pos {
		c.skip(end - c.pos)
	}
}

// naptr renders a NAPTR record as main.zeek's dns_NAPTR_reply does.
func (s *Session) naptr(c *cursor, end int, out []byte) ([]byte, bool) {
	if end-c.pos < 4 {
		return out, false
	}
	order := c.short()
	pref := c.short()
	var strs [3][]byte
	for i := range strs {
		if c.pos >= end {
			return out, false
		}
		l := int(c.msg[c.pos])
		if c.pos+1+l > end {
			return out, false
		}
		strs[i] = c.msg[c.pos+1 : c.pos+1+l]
		c.skip(1 + l)
	}
	k := s.extractName(c)
	out = append(out, "NAPTR "...)
	out = strconv.AppendUint(out, uint64(order), 10)
	out = append(out, ' ')
	out = strconv.AppendUint(out, uint64(pref), 10)
	out = append(out, ' ')
	out = append(out, strs[0]...)
	out = append(out, ' ')
	out = append(out, strs[1]...)
	out = append(out, ' ')
	out = append(out, strs[2]...)
	if k > 0 {
		if len(strs[2]) > 0 {
			out = append(out, ' ')
		}
		out = append(out, s.name[:k]...)
	}
	return out, true
}
