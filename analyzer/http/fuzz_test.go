package http

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

// FuzzHTTP feeds arbitrary request and reply streams in chunks, with an
// optional gap; it must never panic. Seeds: the HTTP streams of Zeek's
// traces (skipped when they are missing) and a few hand-written ones.
func FuzzHTTP(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"), uint8(3), uint8(0))
	f.Add([]byte("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nGET /s HTTP/1.1\r\n\r\n"), []byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"), uint8(7), uint8(1))
	f.Add([]byte("GET /%u00%\r\n"), []byte("raw 0.9 body"), uint8(1), uint8(0))
	f.Add([]byte("CONNECT h:443 HTTP/1.0\r\n\r\n\x16\x03\x01"), []byte("HTTP/1.0 200 OK\r\n\r\n\x16\x03\x03"), uint8(5), uint8(0))
	for _, s := range streamtest.TraceSeeds("http", 20) {
		f.Add(s[0], s[1], uint8(200), uint8(0))
	}
	var s Session
	f.Fuzz(func(t *testing.T, orig, resp []byte, chunk, gap uint8) {
		s.Reset(conn.ID{}, func(r *Record) {}, func(string, string) {})
		feedChunks(&s, orig, resp, int(chunk)+1)
		if gap&1 != 0 {
			s.Gap(gap&2 != 0, int(gap))
			feedChunks(&s, resp, orig, int(chunk)+1)
		}
		s.EOF(true, 2e18)
		s.EOF(false, 2e18)
		s.Done(2e18)
	})
}
