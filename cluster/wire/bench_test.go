package wire

import (
	"bytes"
	"context"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// connLogBatches reads a conn.log written by `xsensor replay` (path in
// $XSENSOR_CONNLOG, default /tmp/wlogs/conn.log) and cuts its records into
// batches of 1000, as a worker's shipper would send them.
func connLogBatches(b *testing.B) (batches [][]byte, records int, raw int64) {
	path := os.Getenv("XSENSOR_CONNLOG")
	if path == "" {
		path = "/tmp/wlogs/conn.log"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skipf("no conn.log (%v); make one with xsensor gen + replay, see bench_test.go", err)
	}
	var cur []byte
	n := 0
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			i = len(data) - 1
		}
		line := data[:i+1]
		data = data[i+1:]
		raw += int64(len(line))
		if line[0] == '#' {
			continue
		}
		cur = append(cur, line...)
		n++
		records++
		if n == 1000 {
			batches, cur, n = append(batches, cur), nil, 0
		}
	}
	if n > 0 {
		batches = append(batches, cur)
	}
	return batches, records, raw
}

type countConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// BenchmarkWireConnLog sends a real conn.log through a Sender to a Server
// on loopback and reports the compression ratio (raw log bytes / bytes
// the sender wrote to TCP) and end-to-end records/s.
func BenchmarkWireConnLog(b *testing.B) {
	batches, records, raw := connLogBatches(b)
	var got atomic.Int64
	h := HandlerFunc(func(p *Peer, m *Message) error { got.Add(int64(m.Count)); return nil })
	s, err := NewServer(ServerOptions{Name: "logger", Secret: secret, Handler: h})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go s.Serve(l)
	var wireBytes atomic.Int64
	o := senderOpts(l.Addr().String())
	o.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countConn{c, &wireBytes}, nil
	}
	snd, err := NewSender(o)
	if err != nil {
		b.Fatal(err)
	}
	defer snd.Close()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for _, batch := range batches {
			m := Message{Type: TypeLogBatch, Stream: []byte("conn"), Path: []byte("conn"), Count: 1000, Body: batch}
			if err := snd.Send(&m); err != nil {
				b.Fatal(err)
			}
		}
		if err := snd.Flush(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(raw)*float64(b.N)/float64(wireBytes.Load()), "ratio")
	b.ReportMetric(float64(records)*float64(b.N)/el.Seconds(), "records/s")
}

type readConn struct {
	net.Conn
	r *bytes.Reader
}

func (c readConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// BenchmarkIngest measures the receiver's path on one goroutine:
// decompress, parse frames, de-duplicate, and call a handler that counts
// records. Reports records/s.
func BenchmarkIngest(b *testing.B) {
	batches, records, _ := connLogBatches(b)
	var stream bytes.Buffer
	fw, _ := newFrameWriter(&stream)
	var frame []byte
	for i, batch := range batches {
		m := Message{Type: TypeLogBatch, Seq: uint64(i + 1), Stream: []byte("conn"), Path: []byte("conn"), Count: 1000, Body: batch}
		frame, _ = AppendFrame(frame[:0], &m)
		fw.write(frame)
		if i%4 == 3 {
			fw.flush()
		}
	}
	fw.flush()
	fw.close()
	srv := &Server{marks: marks{}}
	p := &Peer{PeerInfo: PeerInfo{Name: "worker-1", Epoch: 1}, s: srv}
	var n int64
	b.SetBytes(int64(stream.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		srv.marks = marks{}
		fr, err := newFrameReader(readConn{r: bytes.NewReader(stream.Bytes())}, 0)
		if err != nil {
			b.Fatal(err)
		}
		var m Message
		for k := 0; k < len(batches); k++ {
			if err := fr.read(&m); err != nil {
				b.Fatal(err)
			}
			if srv.take(p, &m) {
				n += int64(m.Count)
			}
		}
		fr.close()
	}
	el := time.Since(start)
	b.StopTimer()
	if n != int64(records)*int64(b.N) {
		b.Fatalf("took %d records, want %d", n, records*b.N)
	}
	b.ReportMetric(float64(n)/el.Seconds(), "records/s")
}
