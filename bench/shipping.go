package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"xsensor/analyzer/worker"
	"xsensor/cluster/config"
	"xsensor/cluster/conncodec"
	"xsensor/cluster/logger"
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

// LogBatches cuts a Zeek TSV log into batches of whole records of about
// size bytes, as a worker's log buffer hands them to its shipper, and
// returns the raw byte count of the records.
func LogBatches(path string, size int) (batches [][]byte, records int, raw int64, err error) {
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
		if len(cur) >= size {
			batches, cur, n = append(batches, cur), nil, 0
		}
	}
	if n > 0 {
		batches = append(batches, cur)
	}
	return batches, records, raw, nil
}

// Ship sends a conn.log as a worker node ships it — batches the size of
// a worker's log buffer, the conn.log columnar codec with the workers' uid keys, the
// authenticated zstd wire — to a real logger on loopback, checks that the
// logger wrote the records byte for byte, and measures the bytes on the
// wire against the raw log bytes and the records per second end to end.
// With no keys, uids travel as raw bytes (as from a node whose workers'
// keys the shipper does not know).
func Ship(connLog string, keys [][16]byte) (*Shipping, error) {
	batches, records, raw, err := LogBatches(connLog, worker.DefaultOptions().FlushBytes)
	if err != nil {
		return nil, err
	}
	if records == 0 {
		return nil, fmt.Errorf("%s: no records", connLog)
	}
	secret := []byte("xsensor-bench-secret-0123456789")
	dir, err := os.MkdirTemp("", "xsensor-ship-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	lw, err := logger.Open(logger.Options{Dir: dir}, nil)
	if err != nil {
		return nil, err
	}
	handler := wire.HandlerFunc(func(_ *wire.Peer, m *wire.Message) error { return lw.WriteBatch(m) })
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
	enc := new(conncodec.Encoder)
	enc.SetUIDKeys(keys)
	var want, body []byte
	start := time.Now()
	for _, b := range batches {
		want = append(want, b...)
		m := wire.Message{Type: wire.TypeLogBatch, Stream: []byte("conn"), Path: []byte("conn"), Count: uint32(bytes.Count(b, []byte{'\n'})), Body: b}
		if out, ok := enc.Encode(body[:0], b); ok {
			body, m.Body = out, out
			m.Format |= conncodec.FormatColumns
		}
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
	snd.Close()
	srv.Close()
	if err := lw.Close(); err != nil {
		return nil, err
	}
	gotBatches, _, _, err := LogBatches(filepath.Join(dir, "conn.log"), 1<<40)
	if err != nil {
		return nil, fmt.Errorf("logger output: %w", err)
	}
	if len(gotBatches) != 1 || !bytes.Equal(gotBatches[0], want) {
		return nil, errors.New("the logger did not write the shipped records byte for byte")
	}
	s := &Shipping{RawBytes: uint64(raw), WireBytes: uint64(onWire.Load()), Records: uint64(records),
		IngestPerSec: float64(records) / el.Seconds()}
	s.WireOverRawPct = 100 * float64(s.WireBytes) / float64(s.RawBytes)
	return s, nil
}
