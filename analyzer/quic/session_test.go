package quic

import (
	"net/netip"
	"path/filepath"
	"testing"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/ssl"
)

var testID = conn.ID{OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: 50000,
	RespH: netip.MustParseAddr("10.0.0.2"), RespP: 443, Proto: 17}

// clientHello is a minimal TLS 1.3 ClientHello handshake message.
func clientHello() []byte {
	body := []byte{0x03, 0x03}
	body = append(body, make([]byte, 32)...) // random
	body = append(body, 0)                   // session id
	body = append(body, 0, 2, 0x13, 0x01)    // cipher suites
	body = append(body, 1, 0)                // compression
	sni := []byte("example.org")
	ext := []byte{0, 0, 0, byte(len(sni) + 5), 0, byte(len(sni) + 3), 0, 0, byte(len(sni))}
	ext = append(ext, sni...)
	ext = append(ext, 0, 0x2b, 0, 3, 2, 0x03, 0x04) // supported_versions: TLS 1.3
	body = append(body, byte(len(ext)>>8), byte(len(ext)))
	body = append(body, ext...)
	return append([]byte{1, 0, byte(len(body) >> 8), byte(len(body))}, body...)
}

func cryptoFrame(off int, data []byte) []byte {
	f := []byte{0x06, 0x40 | byte(off>>8), byte(off), 0x40 | byte(len(data)>>8), byte(len(data))}
	return append(f, data...)
}

// TestCryptoOutOfOrder sends a ClientHello in two CRYPTO frames, the
// second first, over two client Initials.
func TestCryptoOutOfOrder(t *testing.T) {
	dcid := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	ch := clientHello()
	half := len(ch) / 2
	p1 := sealInitial(t, Version1, dcid, []byte{9}, true, 0, append(cryptoFrame(half, ch[half:]), make([]byte, 30)...))
	p2 := sealInitial(t, Version1, dcid, []byte{9}, true, 1, append([]byte{0x01}, cryptoFrame(0, ch[:half])...))
	var recs []string
	var tls ssl.Session
	tls.Reset(testID, func(r *ssl.Record) { recs = append(recs, string(r.ServerName)+"|"+string(r.History)) }, nil)
	var s Session
	s.Reset(testID, &tls, nil)
	s.Packet(true, 1, p1)
	if !s.Confirmed() || s.Violated() {
		t.Fatalf("after p1: confirmed %v violated %v", s.Confirmed(), s.Violated())
	}
	if s.crypto[0].finished {
		t.Fatal("finished before the first half arrived")
	}
	s.Packet(true, 2, p2)
	if !s.crypto[0].finished || s.Violated() {
		t.Fatalf("after p2: finished %v violated %v", s.crypto[0].finished, s.Violated())
	}
	if !tls.Confirmed() {
		t.Error("ClientHello not seen by the TLS analyzer")
	}
	if got := string(s.History()); got != "IIS" {
		t.Errorf("history %q, want IIS", got)
	}
	s.Done(3)
	if len(recs) != 1 || recs[0] != "example.org|C" {
		t.Errorf("ssl records %q", recs)
	}
}

// TestServerBeforeClient: a server Initial cannot be decrypted before
// the client's DCID is known; it is skipped, not a violation.
func TestServerBeforeClient(t *testing.T) {
	dcid := []byte{1, 2, 3, 4}
	sp := sealInitial(t, Version2, dcid, []byte{5}, false, 0, make([]byte, 40))
	var s Session
	s.Reset(testID, nil, nil)
	s.Packet(false, 1, sp)
	if s.Confirmed() || s.Violated() {
		t.Fatalf("confirmed %v violated %v", s.Confirmed(), s.Violated())
	}
	cp := sealInitial(t, Version2, dcid, []byte{5}, true, 0, append([]byte{1}, make([]byte, 40)...))
	s.Packet(true, 2, cp)
	s.Packet(false, 3, sp)
	if !s.Confirmed() || s.Violated() || s.totalDecrypted != 2 {
		t.Fatalf("confirmed %v violated %v decrypted %d", s.Confirmed(), s.Violated(), s.totalDecrypted)
	}
}

// TestViolations: garbage after a long header, an unknown version, a
// frame type Zeek does not parse.
func TestViolations(t *testing.T) {
	dcid := []byte{1, 2, 3, 4}
	for name, p := range map[string][]byte{
		"truncated": {0xc0, 0, 0, 0, 1, 8, 1, 2},
		"version":   {0xc0, 0x0a, 0x0a, 0x0a, 0x0a, 0, 0, 0, 0},
		"frame":     sealInitial(t, Version1, dcid, nil, true, 0, append([]byte{0x08}, make([]byte, 30)...)),
		"badtag":    append(sealInitial(t, Version1, dcid, nil, true, 0, make([]byte, 30))[:60], make([]byte, 40)...),
	} {
		var s Session
		s.Reset(testID, nil, nil)
		s.Packet(true, 1, p)
		if !s.Violated() {
			t.Errorf("%s: no violation", name)
		}
	}
}

// TestHistoryBaselines compares the quic.log history with Zeek's
// baselines (testing/btest/Baseline/scripts.base.protocols.quic.*).
func TestHistoryBaselines(t *testing.T) {
	for file, want := range map[string]string{
		"firefox-102.13.0esr-blog-cloudflare-com.pcap": "ISXixisxhIXhhhHHhHHOOOOoooooOoOooOoO",
		"quic-decrypt-fail-google-de-51833.pcap":       "ZZZIiIIIISiIIIiiiiiishoooIIOHHOoO",
	} {
		dgs := readUDP(filepath.Join(tracesDir, "quic", file), true)
		if dgs == nil {
			t.Skip("no traces")
		}
		flows := replayQUIC(dgs, func(*ssl.Record) {}, nil)
		if len(flows) != 1 || len(flows[0].hist) != 1 || flows[0].hist[0] != want {
			var got []string
			for _, f := range flows {
				got = append(got, f.hist...)
			}
			t.Errorf("%s: history %q, want %q", file, got, want)
		}
	}
}

func TestMaxHistoryWeird(t *testing.T) {
	dgs := readUDP(filepath.Join(tracesDir, "quic", "firefox-102.13.0esr-blog-cloudflare-com.pcap"), false)
	if dgs == nil {
		t.Skip("no traces")
	}
	var s Session
	var weirds []string
	s.Reset(testID, nil, func(name, addl string) { weirds = append(weirds, name) })
	s.SetMaxHistoryLength(3)
	orig := dgs[0].src
	for _, d := range dgs {
		s.Packet(d.src == orig, d.ts, d.payload)
	}
	if len(weirds) != 1 || weirds[0] != "QUIC_max_history_length_reached" {
		t.Errorf("weirds %q", weirds)
	}
}

// TestNoAllocs: once keys are derived, Initial decryption, frame parsing
// and the other packet kinds allocate nothing.
func TestNoAllocs(t *testing.T) {
	dcid := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	ping := sealInitial(t, Version1, dcid, []byte{9}, true, 0, append([]byte{0x01, 0x02, 0, 0, 0, 0}, make([]byte, 1100)...))
	sping := sealInitial(t, Version1, dcid, []byte{9}, false, 0, append([]byte{0x01}, make([]byte, 100)...))
	short := append([]byte{0x41, 9}, make([]byte, 60)...)
	hs := append([]byte{0xe0, 0, 0, 0, 1, 1, 9, 1, 8, 0x40, 40}, make([]byte, 40)...)
	var tls ssl.Session
	tls.Reset(testID, nil, nil)
	var s Session
	s.Reset(testID, &tls, nil)
	s.Packet(true, 1, ping)
	s.Packet(false, 1, sping)
	n := testing.AllocsPerRun(200, func() {
		s.Packet(true, 2, ping)
		s.Packet(false, 2, sping)
		s.Packet(false, 2, short)
		s.Packet(true, 2, hs)
	})
	if n != 0 {
		t.Errorf("%v allocations per run", n)
	}
	if s.Violated() || s.totalDecrypted < 400 {
		t.Fatalf("violated %v decrypted %d", s.Violated(), s.totalDecrypted)
	}
}

func BenchmarkInitial(b *testing.B) {
	dcid := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	ping := sealInitial(b, Version1, dcid, []byte{9}, true, 0, append([]byte{0x01}, make([]byte, 1150)...))
	var s Session
	s.Reset(testID, nil, nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(ping)))
	for i := 0; i < b.N; i++ {
		s.Packet(true, 1, ping)
	}
}
