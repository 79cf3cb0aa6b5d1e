package wire

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	mrand "math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"xsensor/cluster/config"
)

// SenderOptions configure a Sender.
type SenderOptions struct {
	Addr   string // receiver host:port
	Name   string // this node
	Role   config.Role
	Secret []byte
	TLS    *tls.Config // client config; nil for plain TCP

	// BufferBytes bounds the memory held for unacknowledged frames;
	// default 64 MiB.
	BufferBytes int64
	// SpoolDir, with SpoolMaxBytes > 0, lets frames that do not fit in
	// memory spill to disk, and keeps unacknowledged frames across a
	// restart (Close writes memory back to the spool).
	SpoolDir      string
	SpoolMaxBytes int64
	// MaxBlock is how long Send waits for room before it drops the frame
	// (and counts it); default 1s; negative never waits.
	MaxBlock time.Duration

	HeartbeatInterval time.Duration // default 1s
	HeartbeatTimeout  time.Duration // default 5s: receiver declared dead
	HandshakeTimeout  time.Duration // default 10s
	BackoffMin        time.Duration // default 100ms
	BackoffMax        time.Duration // default 10s

	// OnMessage receives frames the receiver sends other than acks and
	// heartbeats (status responses, state ops). Called from the
	// connection's reader goroutine; m is valid until it returns.
	OnMessage func(m *Message)
	// Log, if set, receives connection events.
	Log func(format string, args ...any)
	// Dial replaces net.Dialer.DialContext (tests, byte counting).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// SenderStats are cumulative counters, except the gauges Buffered,
// SpoolBytes and Connected.
type SenderStats struct {
	Sent, Acked, Resent uint64 // sequenced frames
	Dropped, DropBytes  uint64 // frames refused because both bounds were full
	Spilled             uint64 // frames written to the spool
	Connects, Failures  uint64 // handshakes completed / dial or handshake failures
	Buffered            int64  // bytes held in memory
	SpoolBytes          int64  // bytes in spool files
	Connected           bool
}

// Errors returned by Send.
var (
	ErrDropped = errors.New("send buffer and spool full: frame dropped")
	ErrClosed  = errors.New("sender closed")
)

// Sender is the reliable sending side of a node-to-node link: it numbers
// sequenced frames, keeps them until the receiver acknowledges them, and
// resends them after reconnecting. It dials, authenticates, reconnects
// with backoff, and exchanges heartbeats on its own goroutines.
//
// Send and SendControl may be called from any number of goroutines; a
// single producer per Sender gives the best batching. Stats, Connected and
// Close are safe at any time.
type Sender struct {
	o SenderOptions

	mu       sync.Mutex
	mem      []entry // unacknowledged frames in memory, in sequence order
	sendIdx  int     // mem[:sendIdx] written on the current connection
	memBytes int64
	free     [][]byte
	nextSeq  uint64
	epoch    uint64
	spool    *spool
	spoolBuf []byte
	space    chan struct{} // closed and replaced when room frees up
	closed   bool
	stats    SenderStats

	ackSeq atomic.Uint64 // latest ack read from the connection
	wake   chan struct{}
	ctrl   chan []byte
	done   chan struct{}
	conn   atomic.Pointer[net.Conn]
	wg     sync.WaitGroup
}

type entry struct {
	seq    uint64
	buf    []byte
	onDisk bool // also in a spool segment
	sent   bool // written on some connection before
}

func (o *SenderOptions) defaults() {
	if o.BufferBytes <= 0 {
		o.BufferBytes = 64 << 20
	}
	if o.MaxBlock == 0 {
		o.MaxBlock = time.Second
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = time.Second
	}
	if o.HeartbeatTimeout <= 0 {
		o.HeartbeatTimeout = 5 * o.HeartbeatInterval
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 10 * time.Second
	}
	if o.BackoffMin <= 0 {
		o.BackoffMin = 100 * time.Millisecond
	}
	if o.BackoffMax < o.BackoffMin {
		o.BackoffMax = max(10*time.Second, o.BackoffMin)
	}
	if o.Dial == nil {
		d := &net.Dialer{KeepAlive: 15 * time.Second}
		o.Dial = d.DialContext
	}
}

// NewSender opens the spool (replaying what a previous run left there)
// and starts connecting to o.Addr.
func NewSender(o SenderOptions) (*Sender, error) {
	o.defaults()
	if o.Name == "" || o.Addr == "" {
		return nil, errors.New("wire sender: Name and Addr are required")
	}
	s := &Sender{o: o, nextSeq: 1, space: make(chan struct{}), wake: make(chan struct{}, 1),
		ctrl: make(chan []byte, 64), done: make(chan struct{})}
	if o.SpoolDir != "" && o.SpoolMaxBytes > 0 {
		sp, err := openSpool(o.SpoolDir, o.SpoolMaxBytes)
		if err != nil {
			return nil, fmt.Errorf("wire sender: open spool %s: %w", o.SpoolDir, err)
		}
		s.spool, s.epoch, s.nextSeq = sp, sp.epoch, sp.reserved
		s.stats.SpoolBytes = sp.bytes
		if sp.torn > 0 {
			s.logf("wire: spool %s: dropped %d torn records", o.SpoolDir, sp.torn)
		}
	} else {
		var e [8]byte
		rand.Read(e[:])
		s.epoch = binary.LittleEndian.Uint64(e[:]) | 1
	}
	s.wg.Add(1)
	go s.run()
	return s, nil
}

func (s *Sender) logf(format string, args ...any) {
	if s.o.Log != nil {
		s.o.Log(format, args...)
	}
}

// Epoch returns the sequence epoch this Sender announces.
func (s *Sender) Epoch() uint64 { return s.epoch }

// Stats returns a snapshot of the counters.
func (s *Sender) Stats() SenderStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Buffered = s.memBytes
	if s.spool != nil {
		st.SpoolBytes = s.spool.bytes
	}
	st.Connected = s.conn.Load() != nil
	return st
}

// Connected reports whether a connection is up.
func (s *Sender) Connected() bool { return s.conn.Load() != nil }

func sizeClass(n int) int {
	if n <= 4096 {
		return 4096
	}
	return 1 << bits.Len(uint(n-1))
}

// getBuf returns a buffer of capacity ≥ n from the free list (caller
// holds mu).
func (s *Sender) getBuf(n int) []byte {
	for i := len(s.free) - 1; i >= 0; i-- {
		if b := s.free[i]; cap(b) >= n && cap(b) <= 2*sizeClass(n) {
			s.free[i] = s.free[len(s.free)-1]
			s.free = s.free[:len(s.free)-1]
			return b[:0]
		}
	}
	return make([]byte, 0, sizeClass(n))
}

func (s *Sender) putBuf(b []byte) {
	if len(s.free) < 16 {
		s.free = append(s.free, b)
	}
}

// Send queues a sequenced message (log batch, notice, state op, stats),
// assigning m.Seq. The message is copied: the caller may reuse m and its
// buffers when Send returns. When memory is full it spills to the spool,
// else waits up to MaxBlock for acknowledgements, else returns ErrDropped.
func (s *Sender) Send(m *Message) error {
	if !m.Type.Sequenced() {
		return fmt.Errorf("send %s: not a sequenced type (use SendControl)", m.Type)
	}
	n := FrameSize(m)
	if n < 0 || int64(n) > s.o.BufferBytes {
		return fmt.Errorf("send %s: frame too large or field too long", m.Type)
	}
	need := int64(sizeClass(n))
	var deadline time.Time
	s.mu.Lock()
	for {
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		sp := s.spool
		spilling := sp != nil && sp.pending > 0
		if !spilling && s.memBytes+need <= s.o.BufferBytes {
			m.Seq = s.nextSeq
			if err := s.reserve(); err != nil {
				s.mu.Unlock()
				return err
			}
			buf, _ := AppendFrame(s.getBuf(n), m)
			s.mem = append(s.mem, entry{seq: m.Seq, buf: buf})
			s.memBytes += int64(cap(buf))
			s.nextSeq++
			s.stats.Sent++
			s.mu.Unlock()
			s.poke()
			return nil
		}
		if sp != nil && sp.room(n) {
			m.Seq = s.nextSeq
			if err := s.reserve(); err != nil {
				s.mu.Unlock()
				return err
			}
			s.spoolBuf, _ = AppendFrame(s.spoolBuf[:0], m)
			if err := sp.append(s.spoolBuf, m.Seq); err != nil {
				s.mu.Unlock()
				return err
			}
			s.nextSeq++
			s.stats.Sent++
			s.stats.Spilled++
			s.mu.Unlock()
			s.poke()
			return nil
		}
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(s.o.MaxBlock)
		}
		if s.o.MaxBlock < 0 || !now.Before(deadline) {
			s.stats.Dropped++
			s.stats.DropBytes += uint64(n)
			s.mu.Unlock()
			return ErrDropped
		}
		ch := s.space
		s.mu.Unlock()
		t := time.NewTimer(deadline.Sub(now))
		select {
		case <-ch:
		case <-t.C:
		case <-s.done:
		}
		t.Stop()
		s.mu.Lock()
	}
}

func (s *Sender) reserve() error {
	if s.spool == nil {
		return nil
	}
	if err := s.spool.reserve(s.nextSeq); err != nil {
		return fmt.Errorf("spool session: %w", err)
	}
	return nil
}

// SendControl sends an unsequenced frame (a status request) on the
// current connection, best effort: it fails when not connected or when
// 64 control frames are queued.
func (s *Sender) SendControl(m *Message) error {
	if m.Type.Sequenced() || m.Type == TypeAck {
		return fmt.Errorf("send control %s: not a control type", m.Type)
	}
	if !s.Connected() {
		return errors.New("send control: not connected")
	}
	b, err := AppendFrame(nil, m)
	if err != nil {
		return err
	}
	select {
	case s.ctrl <- b:
		s.poke()
		return nil
	default:
		return errors.New("send control: queue full")
	}
}

func (s *Sender) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Flush waits until every frame sent so far is acknowledged, or ctx ends.
func (s *Sender) Flush(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		empty := len(s.mem) == 0 && (s.spool == nil || s.spool.pending == 0)
		s.mu.Unlock()
		if empty {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("flush to %s: %w", s.o.Addr, ctx.Err())
		case <-t.C:
		}
	}
}

// Close stops the Sender. With a spool, frames not yet acknowledged are
// written back to it and resent by the next Sender on the same SpoolDir;
// without one they are lost (call Flush first).
func (s *Sender) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	if c := s.conn.Load(); c != nil {
		(*c).Close()
	}
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applyAck()
	if s.spool == nil {
		return nil
	}
	// Write back each contiguous run of memory-only frames.
	var back [][]byte
	var err error
	for i, e := range s.mem {
		if !e.onDisk {
			back = append(back, e.buf)
		}
		if end := i == len(s.mem)-1 || s.mem[i+1].onDisk || s.mem[i+1].seq != e.seq+1; end && len(back) > 0 {
			if werr := s.spool.writeBack(back); err == nil {
				err = werr
			}
			back = back[:0]
		}
	}
	if cerr := s.spool.close(); err == nil {
		err = cerr
	}
	return err
}

// applyAck drops acknowledged frames (caller holds mu; only the writer
// goroutine and Close call it, so no frame is freed while being written).
func (s *Sender) applyAck() {
	a := s.ackSeq.Load()
	k := 0
	for k < len(s.mem) && s.mem[k].seq <= a {
		s.memBytes -= int64(cap(s.mem[k].buf))
		s.putBuf(s.mem[k].buf)
		s.mem[k] = entry{}
		k++
	}
	if k == 0 {
		return
	}
	s.stats.Acked += uint64(k)
	s.mem = s.mem[k:]
	s.sendIdx = max(0, s.sendIdx-k)
	if s.spool != nil {
		s.spool.acked(a)
	}
	close(s.space)
	s.space = make(chan struct{})
}

// refill moves spooled frames into memory while there is room (caller
// holds mu).
func (s *Sender) refill() error {
	sp := s.spool
	if sp == nil {
		return nil
	}
	for sp.pending > 0 {
		// Peek size by reading; frames are ≤ BufferBytes by construction.
		if s.memBytes+int64(sizeClass(64<<10)) > s.o.BufferBytes && len(s.mem) > 0 {
			return nil
		}
		fr, err := sp.next(&s.spoolBuf)
		if err != nil || fr == nil {
			return err
		}
		buf := append(s.getBuf(len(fr)), fr...)
		seq := binary.LittleEndian.Uint64(fr[HeaderLen:])
		s.mem = append(s.mem, entry{seq: seq, buf: buf, onDisk: true})
		s.memBytes += int64(cap(buf))
	}
	return nil
}

func (s *Sender) run() {
	defer s.wg.Done()
	backoff := s.o.BackoffMin
	for {
		select {
		case <-s.done:
			return
		default:
		}
		conn, err := s.connect()
		if err != nil {
			s.mu.Lock()
			s.stats.Failures++
			s.mu.Unlock()
			s.logf("wire: connect %s: %v", s.o.Addr, err)
			// Full jitter in [backoff/2, backoff).
			d := backoff/2 + time.Duration(mrand.Int64N(int64(backoff/2)+1))
			backoff = min(2*backoff, s.o.BackoffMax)
			t := time.NewTimer(d)
			select {
			case <-s.done:
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		backoff = s.o.BackoffMin
		s.mu.Lock()
		s.stats.Connects++
		s.sendIdx = 0 // resend everything unacknowledged
		s.mu.Unlock()
		s.conn.Store(&conn)
		err = s.serve(conn)
		s.conn.Store(nil)
		conn.Close()
		s.logf("wire: connection to %s lost: %v", s.o.Addr, err)
	}
}

func (s *Sender) connect() (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.o.HandshakeTimeout)
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	c, err := s.o.Dial(ctx, "tcp", s.o.Addr)
	if err != nil {
		return nil, err
	}
	if s.o.TLS != nil {
		tc := tls.Client(c, s.o.TLS)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, fmt.Errorf("tls: %w", err)
		}
		c = tc
	}
	if _, err := clientHandshake(c, &handshakeConf{name: s.o.Name, role: s.o.Role, epoch: s.epoch,
		secret: s.o.Secret, timeout: s.o.HandshakeTimeout}); err != nil {
		c.Close()
		return nil, fmt.Errorf("handshake: %w", err)
	}
	return c, nil
}

// serve runs one connection: a reader goroutine for acks and heartbeats,
// and the writer here.
func (s *Sender) serve(conn net.Conn) error {
	fw, err := newFrameWriter(conn)
	if err != nil {
		return err
	}
	defer fw.close()
	rerr := make(chan error, 1)
	go func() { rerr <- s.readLoop(conn) }()
	tick := time.NewTicker(s.o.HeartbeatInterval)
	defer tick.Stop()
	last := time.Now()
	batch := make([]entry, 0, 256)
	// fail closes the connection and reports the root cause: the
	// reader's error (heartbeat timeout, receiver gone) when it closed
	// the connection under the writer.
	fail := func(err error) error {
		conn.Close()
		if rerr2 := <-rerr; rerr2 != nil && (err == nil || errors.Is(err, net.ErrClosed)) && !errors.Is(rerr2, net.ErrClosed) {
			err = rerr2
		}
		return err
	}
	for {
		s.mu.Lock()
		s.applyAck()
		if err := s.refill(); err != nil {
			s.logf("wire: spool: %v", err)
		}
		batch = batch[:0]
		size := 0
		for s.sendIdx < len(s.mem) && size < 256<<10 && len(batch) < cap(batch) {
			e := &s.mem[s.sendIdx]
			if e.sent {
				s.stats.Resent++
			}
			e.sent = true
			batch = append(batch, *e)
			size += len(e.buf)
			s.sendIdx++
		}
		s.mu.Unlock()
		for _, e := range batch {
			if err := fw.write(e.buf); err != nil {
				return fail(err)
			}
		}
	ctrl:
		for {
			select {
			case b := <-s.ctrl:
				if err := fw.write(b); err != nil {
					return fail(err)
				}
			default:
				break ctrl
			}
		}
		if len(batch) > 0 && size >= 256<<10 {
			continue // more queued: keep filling the zstd block
		}
		if fw.pending {
			last = time.Now()
			if err := fw.flush(); err != nil {
				return fail(err)
			}
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-s.done:
			return fail(ErrClosed)
		case err := <-rerr:
			return err
		case <-s.wake:
		case now := <-tick.C:
			if now.Sub(last) >= s.o.HeartbeatInterval/2 {
				if err := fw.writeMsg(&Message{Type: TypeHeartbeat, TS: now.UnixNano()}); err != nil {
					return fail(err)
				}
			}
		}
	}
}

func (s *Sender) readLoop(conn net.Conn) error {
	fr, err := newFrameReader(conn, s.o.HeartbeatTimeout)
	if err != nil {
		conn.Close()
		return err
	}
	defer fr.close()
	var m Message
	for {
		if err := fr.read(&m); err != nil {
			conn.Close()
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return fmt.Errorf("receiver silent for %v (heartbeat timeout): %w", s.o.HeartbeatTimeout, err)
			}
			return err
		}
		switch m.Type {
		case TypeAck:
			if m.Seq > s.ackSeq.Load() {
				s.ackSeq.Store(m.Seq)
				s.poke()
			}
		case TypeHeartbeat:
		default:
			if s.o.OnMessage != nil {
				s.o.OnMessage(&m)
			}
		}
	}
}
