package dpd

import (
	"net/netip"
	"testing"
)

func TestSignatures(t *testing.T) {
	for _, c := range []struct {
		name string
		fn   func([]byte) (bool, bool)
		in   string
		m    bool
	}{
		{"http client", HTTPClient, "GET / HTTP/1.1\r\n", true},
		{"http client ws", HTTPClient, " \r\nPOST /x", true},
		{"http client no", HTTPClient, "PUT / HTTP/1.1", false},
		{"http server", HTTPServer, "HTTP/1.1 200 OK", true},
		{"http server no", HTTPServer, "HTTP/x", false},
		{"tls client", TLSClient, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", true},
		{"tls client no", TLSClient, "\x16\x03\x01\x02\x00\x02\x00\x01\xfc\x03\x03", false},
		{"tls server", TLSServer, "\x16\x03\x03\x00\x5d\x02\x00\x00\x59\x03\x03", true},
		{"tls server alert", TLSServer, "\x15\x03\x03\x00\x02\x02\x28\x16\x03\x03\x00\x5d\x02\x00\x00\x59\x7f\x12", true},
		{"ssh", SSHBanner, "SSH-2.0-OpenSSH", true},
		{"ssh no", SSHBanner, "SSH-3.0", false},
	} {
		m, _ := c.fn([]byte(c.in))
		if m != c.m {
			t.Errorf("%s: %q match %v, want %v", c.name, c.in, m, c.m)
		}
	}
	if m, more := HTTPClient([]byte("GE")); m || !more {
		t.Errorf("prefix GE: match %v more %v", m, more)
	}
}

func TestFTPDataChannel(t *testing.T) {
	srv := netip.MustParseAddr("10.0.0.2")
	for _, c := range []struct {
		line   string
		client bool
		want   string
		active bool
	}{
		{"PORT 10,0,0,1,4,1", true, "10.0.0.1:1025", true},
		{"EPRT |2|2001:db8::1|5282|", true, "[2001:db8::1]:5282", true},
		{"227 Entering Passive Mode (199,233,217,249,221,90)", false, "199.233.217.249:56666", false},
		{"229 Entering Extended Passive Mode (|||57086|)", false, "10.0.0.2:57086", false},
	} {
		ap, active, ok := FTPDataChannel([]byte(c.line), c.client, srv)
		if !ok || ap.String() != c.want || active != c.active {
			t.Errorf("%q: %v %v %v, want %s %v", c.line, ap, active, ok, c.want, c.active)
		}
	}
}

func TestDNSQuery(t *testing.T) {
	q := []byte{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1}
	if !DNSQuery(q, false) {
		t.Error("query not detected")
	}
	tcp := append([]byte{0, byte(len(q))}, q...)
	if !DNSQuery(tcp, true) {
		t.Error("TCP query not detected")
	}
	q[2] |= 0x80
	if DNSQuery(q, false) {
		t.Error("response taken for a query")
	}
}

// FuzzMatchers runs every matcher on arbitrary bytes: none may panic.
func FuzzMatchers(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.0\r\n"))
	f.Add([]byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"))
	f.Add([]byte("227 Entering Passive Mode (1,2,3,4,5,6)"))
	f.Add([]byte("EPRT |1|1.2.3.4|99|"))
	f.Add([]byte{0, 17, 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1})
	srv := netip.MustParseAddr("192.0.2.1")
	f.Fuzz(func(t *testing.T, b []byte) {
		HTTPClient(b)
		HTTPServer(b)
		TLSClient(b)
		TLSServer(b)
		SSHBanner(b)
		DNSQuery(b, false)
		DNSQuery(b, true)
		NTP(b)
		DHCP(b)
		FTPReply(b)
		FTPCommand(b)
		FTPDataChannel(b, true, srv)
		FTPDataChannel(b, false, srv)
	})
}
