package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"

	"xsensor/cluster/config"
	"xsensor/cluster/wire"
)

// countingConn counts the bytes a sender writes to TCP: what the wire
// carries after framing, zstd and the handshake.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// LogBatches cuts a Zeek TSV log into batches of whole records, as a
// worker node ships them, and returns the raw byte count of the records.
func LogBatches(path string, per int) (batches [][]byte, records int, raw int64, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, 0, err
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
		if line[0] == '#' {
			continue
		}
		raw += int64(len(line))
		cur = append(cur, line...)
		n++
		records++
		if n == per {
			batches, cur, n = append(batches, cur), nil, 0
		}
	}
	if n > 0 {
		batches = append(batches, cur)
	}
	return batches, records, raw, nil
}

// Ship sends a conn.log through an authenticated, compressed wire
// connection on loopback to handler and measures the bytes on the wire
// against the raw log bytes, and records per second end to end.
func Ship(connLog string, handler wire.Handler) (*Shipping, error) {
	batches, records, raw, err := LogBatches(connLog, 1000)
	if err != nil {
		return nil, err
	}
	if records == 0 {
		return nil, fmt.Errorf("%s: no records", connLog)
	}
	secret := []byte("xsensor-bench-secret-0123456789")
	var got atomic.Int64
	if handler == nil {
		handler = wire.HandlerFunc(func(_ *wire.Peer, m *wire.Message) error { got.Add(int64(m.Count)); return nil })
	}
	srv, err := wire.NewServer(wire.ServerOptions{Name: "logger", Role: config.Logger, Secret: secret, Handler: handler})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.Serve(l)
	var onWire atomic.Int64
	snd, err := wire.NewSender(wire.SenderOptions{Addr: l.Addr().String(), Name: "worker-1", Role: config.Worker, Secret: secret,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{c, &onWire}, nil
		}})
	if err != nil {
		return nil, err
	}
	defer snd.Close()
	start := time.Now()
	for _, b := range batches {
		m := wire.Message{Type: wire.TypeLogBatch, Stream: []byte("conn"), Path: []byte("conn"), Count: uint32(bytes.Count(b, []byte{'\n'})), Body: b}
		if err := snd.Send(&m); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := snd.Flush(ctx); err != nil {
		return nil, err
	}
	el := time.Since(start)
	s := &Shipping{RawBytes: uint64(raw), WireBytes: uint64(onWire.Load()), Records: uint64(records),
		IngestPerSec: float64(records) / el.Seconds()}
	s.WireOverRawPct = 100 * float64(s.WireBytes) / float64(s.RawBytes)
	return s, nil
}
