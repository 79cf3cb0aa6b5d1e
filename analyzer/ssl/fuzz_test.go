package ssl

import (
	"testing"
	"xsensor/analyzer/internal/streamtest"

	"xsensor/analyzer/conn"
)

func feedChunks(s *Session, orig, resp []byte, chunk int) {
	ts := int64(1e18)
	for len(orig) > 0 || len(resp) > 0 {
		n := min(chunk, len(orig))
		if n > 0 {
			s.Data(true, ts, orig[:n])
			orig = orig[n:]
		}
		n = min(chunk, len(resp))
		if n > 0 {
			s.Data(false, ts, resp[:n])
			resp = resp[n:]
		}
		ts += 1000
	}
}

// FuzzSSL feeds arbitrary client and server streams in chunks; it must
// never panic. Seeds: the TLS streams of Zeek's traces (skipped when they
// are missing) and the handshake of TestNoAllocs.
func FuzzSSL(f *testing.F) {
	f.Add(clientHello13, serverFlight13, uint8(4))
	f.Add(clientHello13[:20], serverFlight12, uint8(0))
	f.Add([]byte{0x80, 0x2e, 0x01, 0x03, 0x01, 0, 0x15, 0, 0, 0, 0x10}, []byte{0x15, 3, 3, 0, 2, 2, 40}, uint8(2))
	for _, s := range streamtest.TraceSeeds("ssl", 20) {
		f.Add(s[0], s[1], uint8(200))
	}
	for _, s := range streamtest.TraceSeeds("starttls", 10) {
		f.Add(s[0], s[1], uint8(100))
	}
	var s Session
	f.Fuzz(func(t *testing.T, orig, resp []byte, chunk uint8) {
		s.Reset(conn.ID{}, func(r *Record) {}, func(string, string) {})
		feedChunks(&s, orig, resp, int(chunk)+1)
		s.EOF(true, 2e18)
		s.Done(2e18)
	})
}
