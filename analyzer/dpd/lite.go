package dpd

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strconv"
)

// Services xsensor does not analyse but confirms from content, so that
// conn.log's service matches Zeek's for them: SSH (version banners),
// FTP (reply and command lines) with its data connections (ftp-data,
// from PORT/EPRT commands and 227/229 replies), NTP and DHCP. Each
// check accepts what the Zeek analyzer would parse without a violation;
// none of them writes a protocol log.

// Lite is a service confirmed by a light check.
type Lite uint8

const (
	LiteNone Lite = iota
	LiteSSH
	LiteFTP
	LiteNTP
	LiteDHCP
)

var liteNames = [...]string{"", "ssh", "ftp", "ntp", "dhcp"}

// Service returns the conn.log service name of l.
func (l Lite) Service() string { return liteNames[l] }

// LiteTCPPort returns the light service registered for a TCP responder port.
func LiteTCPPort(p uint16) Lite {
	switch p {
	case 22:
		return LiteSSH
	case 21, 2811:
		return LiteFTP
	}
	return LiteNone
}

// LiteUDPPort returns the light service registered for a UDP responder port.
func LiteUDPPort(p uint16) Lite {
	switch p {
	case 123:
		return LiteNTP
	case 67, 68:
		return LiteDHCP
	}
	return LiteNone
}

// SSHBanner is dpd_ssh_client/dpd_ssh_server: /^[sS][sS][hH]-[12]\./.
func SSHBanner(b []byte) (match, more bool) {
	const n = 6
	p := [n]byte{'s', 's', 'h', '-', 0, '.'}
	for i := 0; i < n; i++ {
		if i >= len(b) {
			return false, true
		}
		c := b[i]
		switch i {
		case 0, 1, 2:
			c |= 0x20
		case 4:
			if c != '1' && c != '2' {
				return false, false
			}
			continue
		}
		if c != p[i] {
			return false, false
		}
	}
	return true, false
}

// NTP reports whether b is an NTP message Zeek's NTP analyzer parses:
// version 1 to 4 and at least the 48-byte header (mode 6 and 7 control
// messages are shorter and also accepted).
func NTP(b []byte) bool {
	if len(b) < 1 {
		return false
	}
	v, mode := (b[0]>>3)&7, b[0]&7
	if v < 1 || v > 4 {
		return false
	}
	if mode == 6 || mode == 7 {
		return len(b) >= 8
	}
	return len(b) >= 48
}

// DHCP reports whether b is a BOOTP message with the DHCP magic cookie.
func DHCP(b []byte) bool {
	return len(b) >= 240 && (b[0] == 1 || b[0] == 2) && binary.BigEndian.Uint32(b[236:]) == 0x63825363
}

// FTPReply reports whether b starts with an FTP reply line ("220 ", "230-").
func FTPReply(b []byte) bool {
	return len(b) >= 4 && isDigit(b[0]) && isDigit(b[1]) && isDigit(b[2]) && (b[3] == ' ' || b[3] == '-')
}

// FTPCommand reports whether b starts with a command word of 3 or 4
// letters followed by a space or the end of the line.
func FTPCommand(b []byte) bool {
	n := 0
	for n < len(b) && n < 5 && isAlpha(b[n]) {
		n++
	}
	return (n == 3 || n == 4) && n < len(b) && (b[n] == ' ' || b[n] == '\r' || b[n] == '\n')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// FTPDataChannel parses one FTP control line for a data channel the
// next connection will use, as ftp/main.zeek does: the client's PORT and
// EPRT commands (the server connects to the given address) and the
// server's 227 and 229 replies (the client connects to it). ctrlServer
// is the control connection's responder address (EPSV replies carry no
// address). It returns the data connection's responder and whether the
// data connection's originator is the control connection's responder
// (active mode).
func FTPDataChannel(line []byte, fromClient bool, ctrlServer netip.Addr) (resp netip.AddrPort, active bool, ok bool) {
	if fromClient {
		switch {
		case hasPrefixFold(line, "PORT "):
			ap, ok := parseHostPort(line[5:])
			return ap, true, ok
		case hasPrefixFold(line, "EPRT "):
			ap, ok := parseEPRT(line[5:])
			return ap, true, ok
		}
		return netip.AddrPort{}, false, false
	}
	switch {
	case bytes.HasPrefix(line, []byte("227")):
		i := bytes.IndexByte(line, '(')
		if i < 0 {
			// Some servers omit the parentheses: find the first digit
			// after the code.
			i = 3
			for i < len(line) && !isDigit(line[i]) {
				i++
			}
			i--
		}
		ap, ok := parseHostPort(line[i+1:])
		return ap, false, ok
	case bytes.HasPrefix(line, []byte("229")):
		i := bytes.Index(line, []byte("|||"))
		if i < 0 {
			return netip.AddrPort{}, false, false
		}
		p, n := atoi(line[i+3:])
		if n == 0 || p <= 0 || p > 65535 {
			return netip.AddrPort{}, false, false
		}
		return netip.AddrPortFrom(ctrlServer, uint16(p)), false, true
	}
	return netip.AddrPort{}, false, false
}

func hasPrefixFold(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := b[i]
		if isAlpha(c) {
			c &^= 0x20
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

func atoi(b []byte) (v, n int) {
	for n < len(b) && isDigit(b[n]) && n < 6 {
		v = v*10 + int(b[n]-'0')
		n++
	}
	return v, n
}

// parseHostPort parses "h1,h2,h3,h4,p1,p2".
func parseHostPort(b []byte) (netip.AddrPort, bool) {
	var v [6]int
	for i := 0; i < 6; i++ {
		for len(b) > 0 && b[0] == ' ' {
			b = b[1:]
		}
		x, n := atoi(b)
		if n == 0 || x > 255 {
			return netip.AddrPort{}, false
		}
		v[i] = x
		b = b[n:]
		if i < 5 {
			if len(b) == 0 || b[0] != ',' {
				return netip.AddrPort{}, false
			}
			b = b[1:]
		}
	}
	a := netip.AddrFrom4([4]byte{byte(v[0]), byte(v[1]), byte(v[2]), byte(v[3])})
	return netip.AddrPortFrom(a, uint16(v[4]<<8|v[5])), true
}

// parseEPRT parses "|1|132.235.1.2|6275|" or "|2|::1|5282|".
func parseEPRT(b []byte) (netip.AddrPort, bool) {
	if len(b) < 2 {
		return netip.AddrPort{}, false
	}
	d := b[0]
	parts := bytes.Split(b[1:], []byte{d})
	if len(parts) < 3 {
		return netip.AddrPort{}, false
	}
	a, err := netip.ParseAddr(string(parts[1]))
	if err != nil {
		return netip.AddrPort{}, false
	}
	p, err := strconv.Atoi(string(parts[2]))
	if err != nil || p <= 0 || p > 65535 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a, uint16(p)), true
}
