package wire

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/klauspost/compress/zstd"
)

// WindowBytes is the zstd window of every stream: the history that later
// batches can refer to. Both ends allocate about this much per connection.
const WindowBytes = 1 << 20

// frameWriter is the sending half of an authenticated connection:
// frames → zstd encoder → bufio → conn. One goroutine at a time.
type frameWriter struct {
	bw      *bufio.Writer
	enc     *zstd.Encoder
	pending bool // bytes written since the last flush
	scratch []byte
}

func newFrameWriter(w io.Writer) (*frameWriter, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc, err := zstd.NewWriter(bw,
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(WindowBytes),
		zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	return &frameWriter{bw: bw, enc: enc}, nil
}

// write queues an encoded frame.
func (w *frameWriter) write(frame []byte) error {
	w.pending = true
	_, err := w.enc.Write(frame)
	return err
}

// writeMsg encodes and queues m (for control frames).
func (w *frameWriter) writeMsg(m *Message) error {
	var err error
	w.scratch, err = AppendFrame(w.scratch[:0], m)
	if err != nil {
		return err
	}
	return w.write(w.scratch)
}

// flush ends the current zstd block and pushes it to the socket, so the
// peer can decode everything written so far.
func (w *frameWriter) flush() error {
	if !w.pending {
		return nil
	}
	w.pending = false
	if err := w.enc.Flush(); err != nil {
		return err
	}
	return w.bw.Flush()
}

func (w *frameWriter) close() { w.enc.Close() }

// frameReader is the receiving half: conn → bufio → zstd decoder → frames.
// One goroutine at a time; a Message it returns aliases its buffer until
// the next read.
type frameReader struct {
	conn    net.Conn
	timeout time.Duration
	dec     *zstd.Decoder
	br      *bufio.Reader
	hdr     [HeaderLen]byte
	buf     []byte
	lastDL  time.Time
}

func newFrameReader(conn net.Conn, timeout time.Duration) (*frameReader, error) {
	dec, err := zstd.NewReader(bufio.NewReaderSize(conn, 64<<10),
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxWindow(WindowBytes),
		zstd.WithDecoderLowmem(true))
	if err != nil {
		return nil, fmt.Errorf("zstd decoder: %w", err)
	}
	return &frameReader{conn: conn, timeout: timeout, dec: dec, br: bufio.NewReaderSize(dec, 64<<10)}, nil
}

// read reads the next frame into m. A peer silent for longer than the
// timeout (no frame, not even a heartbeat) fails the read.
func (r *frameReader) read(m *Message) error {
	if r.timeout > 0 {
		// Re-arm the deadline at most every 1/8 timeout: cheap, and
		// still fails within 9/8 of the timeout.
		if now := time.Now(); now.Sub(r.lastDL) > r.timeout/8 {
			r.lastDL = now
			r.conn.SetReadDeadline(now.Add(r.timeout))
		}
	}
	if _, err := io.ReadFull(r.br, r.hdr[:]); err != nil {
		return err
	}
	t, n, err := ParseHeader(r.hdr[:])
	if err != nil {
		return err
	}
	if cap(r.buf) < n {
		r.buf = make([]byte, n, max(n, 2*cap(r.buf)))
	}
	r.buf = r.buf[:n]
	if _, err := io.ReadFull(r.br, r.buf); err != nil {
		return fmt.Errorf("read %s payload: %w", t, err)
	}
	return DecodePayload(t, r.buf, m)
}

func (r *frameReader) close() { r.dec.Close() }
