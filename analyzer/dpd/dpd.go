package dpd

import (
	"encoding/binary"

	"xsensor/analyzer/decode"
)

// Proto is an application protocol xsensor analyses.
type Proto uint8

const (
	None Proto = iota
	DNS
	HTTP
	SSL
	QUIC
)

var serviceNames = [...]string{"", "dns", "http", "ssl", "quic"}

// Service returns the name conn.log's service field uses for p.
func (p Proto) Service() string {
	if int(p) < len(serviceNames) {
		return serviceNames[p]
	}
	return ""
}

func (p Proto) String() string {
	if p == None {
		return "none"
	}
	return p.Service()
}

// Well-known ports, as the protocol scripts register them.
var (
	dnsTCP  = []uint16{53}
	dnsUDP  = []uint16{53, 137, 5353, 5355}
	httpTCP = []uint16{80, 81, 631, 1080, 3128, 8000, 8080, 8888}
	sslTCP  = []uint16{443, 563, 585, 614, 636, 989, 990, 992, 993, 995, 5223}
)

var tcpPorts, udpPorts [65536]Proto

func init() {
	for _, p := range dnsTCP {
		tcpPorts[p] = DNS
	}
	for _, p := range dnsUDP {
		udpPorts[p] = DNS
	}
	for _, p := range httpTCP {
		tcpPorts[p] = HTTP
	}
	for _, p := range sslTCP {
		tcpPorts[p] = SSL
	}
}

// TCPPort returns the analyzer registered for a TCP responder port.
func TCPPort(p uint16) Proto { return tcpPorts[p] }

// UDPPort returns the analyzer registered for a UDP responder port.
func UDPPort(p uint16) Proto { return udpPorts[p] }

// TunnelService returns the service Zeek adds to the UDP connection that
// carries a tunnel of kind e once the tunnel analyzer confirms it, or "".
func TunnelService(e decode.Encap) string {
	switch e {
	case decode.EncapVXLAN:
		return "vxlan"
	case decode.EncapGeneve:
		return "geneve"
	case decode.EncapGTPU:
		return "gtpv1"
	case decode.EncapTeredo:
		return "teredo"
	case decode.EncapAYIYA:
		return "ayiya"
	}
	return ""
}

// DelayedConfirmation reports whether Zeek confirms tunnel e only after it
// saw valid tunnel packets in both directions (Tunnel::delay_teredo_confirmation).
func DelayedConfirmation(e decode.Encap) bool { return e == decode.EncapTeredo }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// HTTPClient is dpd_http_client: /^[[:space:]]*(GET|HEAD|POST)[[:space:]]*/
// on the originator's first bytes. more reports that b is a prefix too
// short to decide.
func HTTPClient(b []byte) (match, more bool) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	b = b[i:]
	for _, m := range [...]string{"GET", "HEAD", "POST"} {
		if len(b) >= len(m) {
			if string(b[:len(m)]) == m {
				return true, false
			}
		} else if string(b) == m[:len(b)] {
			more = true
		}
	}
	return false, more || len(b) == 0
}

// HTTPServer is dpd_http_server: /^HTTP\/[0-9]/ on the responder's first
// bytes (it requires the client signature on the other side).
func HTTPServer(b []byte) (match, more bool) {
	const p = "HTTP/"
	if len(b) < len(p)+1 {
		n := len(b)
		if n > len(p) {
			n = len(p)
		}
		return false, string(b[:n]) == p[:n]
	}
	return string(b[:len(p)]) == p && b[5] >= '0' && b[5] <= '9', false
}

// TLSClient is dpd_tls_client:
// /^\x16\x03[\x00-\x03]..\x01...\x03[\x00-\x03]/.
func TLSClient(b []byte) (match, more bool) {
	if len(b) < 11 {
		return false, prefixOK(b, tlsClientCheck)
	}
	return tlsClientCheck(b, 11), false
}

func tlsClientCheck(b []byte, n int) bool {
	for i := 0; i < n && i < len(b); i++ {
		c := b[i]
		switch i {
		case 0:
			if c != 0x16 {
				return false
			}
		case 1, 9:
			if c != 0x03 {
				return false
			}
		case 2, 10:
			if c > 0x03 {
				return false
			}
		case 5:
			if c != 0x01 {
				return false
			}
		}
	}
	return true
}

func prefixOK(b []byte, check func([]byte, int) bool) bool { return check(b, len(b)) }

// TLSServer is dpd_tls_server: an optional alert record, then
// /\x16\x03[\x00-\x03]..\x02...((\x03[\x00-\x04])|(\x7F[\x00-\x50]))/.
func TLSServer(b []byte) (match, more bool) {
	if len(b) >= 1 && b[0] == 0x15 {
		// (\x15\x03[\x00-\x03]....)? — an alert record of any 4 bytes
		// after the version.
		if len(b) < 7 {
			return false, len(b) < 2 || b[1] == 0x03
		}
		if b[1] != 0x03 || b[2] > 0x03 {
			return false, false
		}
		return TLSServer(b[7:])
	}
	if len(b) < 11 {
		return false, tlsServerCheck(b, len(b))
	}
	return tlsServerCheck(b, 11), false
}

func tlsServerCheck(b []byte, n int) bool {
	for i := 0; i < n && i < len(b); i++ {
		c := b[i]
		switch i {
		case 0:
			if c != 0x16 {
				return false
			}
		case 1:
			if c != 0x03 {
				return false
			}
		case 2:
			if c > 0x03 {
				return false
			}
		case 5:
			if c != 0x02 {
				return false
			}
		case 9:
			if c != 0x03 && c != 0x7f {
				return false
			}
		case 10:
			if (b[9] == 0x03 && c > 0x04) || (b[9] == 0x7f && c > 0x50) {
				return false
			}
		}
	}
	return true
}

// DNSQuery is xsensor's own content check for DNS on ports Zeek does not
// register (Zeek has no DNS signature): a standard query (QR 0, opcode
// 0, one question, no answers) whose question name and type/class parse.
// For TCP, b starts with the 2-byte length.
func DNSQuery(b []byte, tcp bool) bool {
	if tcp {
		if len(b) < 2 || int(binary.BigEndian.Uint16(b)) != len(b)-2 {
			return false
		}
		b = b[2:]
	}
	if len(b) < 17 || len(b) > 512 {
		return false
	}
	fl := binary.BigEndian.Uint16(b[2:])
	if fl&0x8000 != 0 || (fl>>11)&0xf != 0 || fl&0x000f != 0 {
		return false
	}
	if binary.BigEndian.Uint16(b[4:]) != 1 || binary.BigEndian.Uint16(b[6:]) != 0 || binary.BigEndian.Uint16(b[8:]) != 0 {
		return false
	}
	i := 12
	for labels := 0; ; labels++ {
		if i >= len(b) || labels > 127 {
			return false
		}
		l := int(b[i])
		i++
		if l == 0 {
			break
		}
		if l > 63 || i+l > len(b) {
			return false
		}
		for _, c := range b[i : i+l] {
			if c < 0x21 || c > 0x7e {
				return false
			}
		}
		i += l
	}
	if i+4 > len(b) {
		return false
	}
	qclass := binary.BigEndian.Uint16(b[i+2:])
	return qclass == 1 || qclass == 255 || qclass == 0x8001
}

// STARTTLSPort reports whether a TCP responder port belongs to a protocol
// that Zeek analyses with STARTTLS support (SMTP, POP3, IMAP, IRC, XMPP,
// FTP, LDAP, PostgreSQL, MySQL): on these the worker keeps looking for a
// TLS client hello after the first bytes.
func STARTTLSPort(p uint16) bool {
	switch p {
	case 21, 25, 110, 143, 389, 587, 3306, 5222, 5269, 5432, 6667, 6668, 6669:
		return true
	}
	return false
}
