package trafficgen

import "encoding/binary"

// DNS record types used.
const (
	dnsA    = 1
	dnsTXT  = 16
	dnsAAAA = 28
)

var dnsZones = [...]string{"example", "example", "test", "invalid"}
var dnsPrefixes = [...]string{"www", "api", "cdn", "mail", "h"}

// dnsName writes the query name of f's query q in wire format into b and
// returns its length: <prefix><hex flow>.<zone>.com.
func dnsName(b []byte, f *flow, q int) int {
	const hex = "0123456789abcdef"
	p := dnsPrefixes[(int(f.idx)+q)%len(dnsPrefixes)]
	n := 1
	n += copy(b[n:], p)
	for sh := 20; sh >= 0; sh -= 4 {
		b[n] = hex[f.idx>>uint(sh)&0xf]
		n++
	}
	b[0] = byte(n - 1)
	z := dnsZones[f.idx%uint32(len(dnsZones))]
	b[n] = byte(len(z))
	n++
	n += copy(b[n:], z)
	b[n] = 3
	n++
	n += copy(b[n:], "com")
	b[n] = 0
	return n + 1
}

// nextDNS sends the next query or response. One or two queries (A, then
// AAAA), each answered before the next is sent.
func (g *gen) nextDNS(f *flow) []byte {
	q := f.step / 2
	query := f.step%2 == 0
	f.step++
	qtype := uint16(dnsA)
	if q == 1 || (f.v6 && f.queries == 1) {
		qtype = dnsAAAA
	}
	m := g.dns[:]
	binary.BigEndian.PutUint16(m[0:], f.id+uint16(q))
	var flags, an, ar uint16 = 0x0100, 0, 0 // RD
	if !query {
		flags = 0x8180 // QR RD RA
		an = uint16(1 + (f.idx+uint32(q))%3)
	}
	n := 12
	n += dnsName(m[n:], f, q)
	binary.BigEndian.PutUint16(m[n:], qtype)
	binary.BigEndian.PutUint16(m[n+2:], 1) // IN
	n += 4
	for i := uint16(0); i < an; i++ {
		rdlen := 4
		if qtype == dnsAAAA {
			rdlen = 16
		}
		n += dnsRR(m[n:], qtype, rdlen)
		a := m[n-rdlen : n]
		if qtype == dnsA {
			a[0], a[1], a[2], a[3] = 203, 0, 113, byte(f.idx+uint32(i))
		} else {
			copy(a, []byte{0x20, 0x01, 0x0d, 0xb8})
			for j := 4; j < 16; j++ {
				a[j] = 0
			}
			binary.BigEndian.PutUint32(a[12:], f.idx+uint32(i))
		}
	}
	if !query {
		// Responses follow the size mix (small or mid): a TXT record
		// in the additional section fills them to the mid size.
		target := g.payloadLen(f, 8, classMid)
		if pad := target - n - 12; pad >= 1 && pad <= 1200 {
			n += dnsRR(m[n:], dnsTXT, pad)
			txt := m[n-pad : n]
			for len(txt) > 0 {
				c := len(txt) - 1
				if c > 255 {
					c = 255
				}
				txt[0] = byte(c)
				for j := 1; j <= c; j++ {
					txt[j] = 'a' + byte(j%26)
				}
				txt = txt[1+c:]
			}
			ar = 1
		}
	}
	binary.BigEndian.PutUint16(m[2:], flags)
	binary.BigEndian.PutUint16(m[4:], 1)
	binary.BigEndian.PutUint16(m[6:], an)
	binary.BigEndian.PutUint16(m[8:], 0)
	binary.BigEndian.PutUint16(m[10:], ar)
	o := g.ipHeaders(f, query, protoUDP, 8+n)
	copy(g.buf[o+8:], m[:n])
	return g.udp(f, query, o, n)
}

// dnsRR writes a resource record owned by the question name (a
// compression pointer) with rdlen bytes of data left for the caller, and
// returns its length.
func dnsRR(b []byte, typ uint16, rdlen int) int {
	binary.BigEndian.PutUint16(b[0:], 0xc00c)
	binary.BigEndian.PutUint16(b[2:], typ)
	binary.BigEndian.PutUint16(b[4:], 1)
	binary.BigEndian.PutUint32(b[6:], 300)
	binary.BigEndian.PutUint16(b[10:], uint16(rdlen))
	return 12 + rdlen
}
