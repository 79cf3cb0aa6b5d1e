package ssl

import (
	"strings"
	"testing"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/zeeklog"
)

func u16(v int) []byte { return []byte{byte(v >> 8), byte(v)} }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func ext(typ int, data []byte) []byte { return cat(u16(typ), u16(len(data)), data) }

func hsMsg(typ int, body []byte) []byte {
	return cat([]byte{byte(typ), byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body)
}

func record(ct int, body []byte) []byte { return cat([]byte{byte(ct), 3, 3}, u16(len(body)), body) }

var (
	random32 = make([]byte, 32)
	sid32    = []byte("0123456789abcdef0123456789abcdef")

	clientHelloBody = cat(u16(0x0303), random32, []byte{32}, sid32,
		u16(8), u16(0x0a0a), u16(0x1301), u16(0xc02f), u16(0x1302),
		[]byte{1, 0},
		func() []byte {
			sni := cat(u16(12), []byte{0}, u16(9), []byte("localhost"))
			alpn := cat(u16(3), []byte{2}, []byte("h2"))
			sv := cat([]byte{6}, u16(0x2a2a), u16(0x0304), u16(0x0303))
			sig := cat(u16(4), u16(0x0403), u16(0x0804))
			ks := cat(u16(6), u16(29), u16(2), []byte{1, 2})
			e := cat(ext(0x1a1a, nil), ext(0, sni), ext(16, alpn), ext(43, sv), ext(13, sig), ext(51, ks), ext(23, nil))
			return cat(u16(len(e)), e)
		}())
	// The client hello split in two records, the second split again by
	// the chunking of the tests.
	clientHello13 = func() []byte {
		m := hsMsg(1, clientHelloBody)
		return cat(record(22, m[:50]), record(22, m[50:]))
	}()
	serverHello13 = hsMsg(2, cat(u16(0x0303), random32[:31], []byte{1}, []byte{32}, sid32, u16(0x1301), []byte{0},
		func() []byte {
			e := cat(ext(43, u16(0x0304)), ext(51, cat(u16(29), u16(2), []byte{3, 4})))
			return cat(u16(len(e)), e)
		}()))
	serverFlight13 = cat(record(22, serverHello13), record(20, []byte{1}), record(23, make([]byte, 40)))
	clientFin13    = cat(record(20, []byte{1}), record(23, make([]byte, 30)))

	serverFlight12 = cat(record(22, cat(
		hsMsg(2, cat(u16(0x0303), random32[:31], []byte{2}, []byte{0}, u16(0xc02f), []byte{0},
			func() []byte { e := ext(16, cat(u16(9), []byte{8}, []byte("http/1.1"))); return cat(u16(len(e)), e) }())),
		hsMsg(11, cat([]byte{0, 0, 53, 0, 0, 50}, make([]byte, 50))),
		hsMsg(12, cat([]byte{3}, u16(23), []byte{1, 0})),
		hsMsg(14, nil))))
	clientFlight12 = cat(record(22, hsMsg(16, make([]byte, 10))), record(20, []byte{1}), record(22, make([]byte, 40)))
	serverFin12    = cat(record(20, []byte{1}), record(22, make([]byte, 40)), record(21, []byte{1, 0}))
)

func run(s *Session, chunk int, flights ...[]byte) {
	for i, f := range flights {
		for len(f) > 0 {
			n := min(chunk, len(f))
			s.Data(i%2 == 0, int64(i+1), f[:n])
			f = f[n:]
		}
	}
}

func logLine(t *testing.T, chunk int, flights ...[]byte) []string {
	t.Helper()
	enc := zeeklog.NewEncoder(&Schema, zeeklog.TSV)
	var out []string
	var s Session
	s.Reset(conn.ID{}, func(r *Record) {
		line := string(AppendRecord(enc, nil, r))
		out = append(out, strings.Join(strings.Split(strings.TrimSuffix(line, "\n"), "\t")[6:], " "))
	}, nil)
	run(&s, chunk, flights...)
	s.Done(9)
	return out
}

func TestHandshakes(t *testing.T) {
	for _, chunk := range []int{1, 7, 4096} {
		got := logLine(t, chunk, clientHello13, serverFlight13, clientFin13)
		want := "TLSv13 TLS_AES_128_GCM_SHA256 x25519 localhost F - - T CsiI - - - t13d0306h2_40b44b994229_dba2918bedf9"
		if len(got) != 1 || got[0] != want {
			t.Errorf("1.3 chunk %d: got %q want %q", chunk, got, want)
		}
		got = logLine(t, chunk, clientHello13, serverFlight12, clientFlight12, serverFin12)
		want = "TLSv12 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 secp256r1 localhost F - http/1.1 T CsxknGIi cc2786e1f9910a9d811400edcddaf7075195f7a16b216dcbefba3bc7c4f2ae51 (empty) - t13d0306h2_40b44b994229_dba2918bedf9"
		if len(got) != 1 || got[0] != want {
			t.Errorf("1.2 chunk %d: got %q want %q", chunk, got, want)
		}
	}
	// Resumption by session id (TLS 1.2) and an alert before establishment.
	resume := cat(record(22, hsMsg(2, cat(u16(0x0303), random32, []byte{32}, sid32, u16(0x002f), []byte{0}))),
		record(21, []byte{2, 40}))
	got := logLine(t, 100, clientHello13, resume)
	if len(got) != 1 || !strings.HasPrefix(got[0], "TLSv12 TLS_RSA_WITH_AES_128_CBC_SHA - localhost T handshake_failure - F Csl") {
		t.Errorf("resume: %q", got)
	}
}

func TestQUICHandshake(t *testing.T) {
	enc := zeeklog.NewEncoder(&Schema, zeeklog.TSV)
	var got string
	var s Session
	s.Reset(conn.ID{}, func(r *Record) { got = string(AppendRecord(enc, nil, r)) }, nil)
	ch := hsMsg(1, clientHelloBody)
	s.Handshake(true, 1, ch[:10])
	s.Handshake(true, 1, ch[10:])
	s.Handshake(false, 2, serverHello13)
	s.Done(3)
	f := strings.Split(strings.TrimSuffix(got, "\n"), "\t")
	if len(f) < 19 || strings.Join(f[6:15], " ") != "TLSv13 TLS_AES_128_GCM_SHA256 x25519 localhost F - - F Cs" || !strings.HasPrefix(f[18], "q13d0306h2_") {
		t.Errorf("got %q", got)
	}
}

func TestDetect(t *testing.T) {
	if !Detect(true, clientHello13) || !Detect(false, serverFlight13) || Detect(true, []byte("GET / HTTP/1.1\r\n")) {
		t.Error("Detect")
	}
}

// TestNoAllocs: a warmed Session analyses a full handshake and writes its
// record without allocating.
func TestNoAllocs(t *testing.T) {
	var s Session
	n := 0
	emit := func(*Record) { n++ }
	f := func() {
		s.Reset(conn.ID{}, emit, nil)
		run(&s, 9, clientHello13, serverFlight12, clientFlight12, serverFin12)
		s.Done(9)
	}
	f()
	if n != 1 {
		t.Fatalf("%d records", n)
	}
	if a := testing.AllocsPerRun(100, f); a != 0 {
		t.Errorf("%v allocations per handshake, want 0", a)
	}
}

func BenchmarkHandshake(b *testing.B) {
	var s Session
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.Reset(conn.ID{}, func(*Record) {}, nil)
		run(&s, 1460, clientHello13, serverFlight12, clientFlight12, serverFin12)
		s.Done(9)
	}
}
