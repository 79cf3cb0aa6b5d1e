package http

import (
	"bytes"
	"strconv"
	"testing"

	"xsensor/analyzer/conn"
)

var (
	allocReq  = []byte("GET /index.html?a=%41 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test/1.0\r\nReferer: http://x/\r\nX-Forwarded-For: 10.0.0.1\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\nPOST /up HTTP/1.1\r\nHost: example.com\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 24\r\n\r\n--xyz\r\n\r\ndata\r\n--xyz--\r\n\r\n")
	allocResp = []byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n")
)

// TestNoAllocs: a warmed Session parses a pipelined exchange, writes its
// records and is reset without allocating.
func TestNoAllocs(t *testing.T) {
	var s Session
	n := 0
	emit := func(r *Record) { n++ }
	run := func() {
		s.Reset(conn.ID{}, emit, nil)
		for i := 0; i < len(allocReq); i += 17 {
			s.Data(true, 1, allocReq[i:min(i+17, len(allocReq))])
		}
		for i := 0; i < len(allocResp); i += 13 {
			s.Data(false, 2, allocResp[i:min(i+13, len(allocResp))])
		}
		s.EOF(true, 3)
		s.EOF(false, 3)
		s.Done(4)
	}
	run()
	if n != 2 {
		t.Fatalf("%d records, want 2", n)
	}
	if a := testing.AllocsPerRun(100, run); a != 0 {
		t.Errorf("%v allocations per exchange, want 0", a)
	}
}

func BenchmarkSession(b *testing.B) {
	var s Session
	b.ReportAllocs()
	b.SetBytes(int64(len(allocReq) + len(allocResp)))
	for i := 0; i < b.N; i++ {
		s.Reset(conn.ID{}, func(*Record) {}, nil)
		s.Data(true, 1, allocReq)
		s.Data(false, 2, allocResp)
		s.Done(3)
	}
}

// TestNoAllocsGzip: measuring a gzip body does not allocate either.
func TestNoAllocsGzip(t *testing.T) {
	body := compressAll(t, "gzip", bytes.Repeat([]byte("compressible text, "), 500), 6)
	resp := append([]byte("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"), body...)
	req := []byte("GET / HTTP/1.1\r\n\r\n")
	var s Session
	var got uint64
	emit := func(r *Record) { got = r.ResponseBodyLen }
	run := func() {
		s.Reset(conn.ID{}, emit, nil)
		s.Data(true, 1, req)
		for i := 0; i < len(resp); i += 100 {
			s.Data(false, 2, resp[i:min(i+100, len(resp))])
		}
		s.Done(3)
	}
	run()
	if got != 500*19 {
		t.Fatalf("response_body_len %d, want %d", got, 500*19)
	}
	if a := testing.AllocsPerRun(50, run); a != 0 {
		t.Errorf("%v allocations, want 0", a)
	}
}

// BenchmarkBody measures a 1 MB Content-Length response in 1460-byte
// segments: the body path.
func BenchmarkBody(b *testing.B) {
	body := make([]byte, 1<<20)
	resp := append([]byte("HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"), body...)
	req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	var s Session
	b.ReportAllocs()
	b.SetBytes(int64(len(resp)))
	for i := 0; i < b.N; i++ {
		s.Reset(conn.ID{}, func(*Record) {}, nil)
		s.Data(true, 1, req)
		for j := 0; j < len(resp); j += 1460 {
			s.Data(false, 2, resp[j:min(j+1460, len(resp))])
		}
		s.Done(3)
	}
}
