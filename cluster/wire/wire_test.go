package wire

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"xsensor/cluster/config"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

// collector is a Handler that records what it takes.
type collector struct {
	mu    sync.Mutex
	msgs  []Message // deep copies
	seqs  map[uint64]int
	block chan struct{} // when non-nil, Handle waits on it
}

func copyMsg(m *Message) Message {
	c := *m
	cp := func(b []byte) []byte {
		if b == nil {
			return nil
		}
		return append([]byte(nil), b...)
	}
	c.Stream, c.Path, c.Note, c.Identifier, c.Origin, c.Set, c.Body =
		cp(m.Stream), cp(m.Path), cp(m.Note), cp(m.Identifier), cp(m.Origin), cp(m.Set), cp(m.Body)
	return c
}

func (c *collector) Handle(p *Peer, m *Message) error {
	if c.block != nil {
		<-c.block
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seqs == nil {
		c.seqs = map[uint64]int{}
	}
	c.seqs[m.Seq]++
	c.msgs = append(c.msgs, copyMsg(m))
	return nil
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.msgs)
}

func startServer(t *testing.T, o ServerOptions) (*Server, string) {
	t.Helper()
	if o.Name == "" {
		o.Name = "logger"
		o.Role = config.Logger
	}
	if o.Secret == nil {
		o.Secret = secret
	}
	s, err := NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return s, l.Addr().String()
}

func senderOpts(addr string) SenderOptions {
	return SenderOptions{Addr: addr, Name: "worker-1", Role: config.Worker, Secret: secret,
		BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func allTypes() []Message {
	return []Message{
		{Type: TypeLogBatch, Format: 1, Count: 2, Stream: []byte("conn"), Path: []byte("conn"), Body: []byte("a\tb\nc\td\n")},
		{Type: TypeNotice, TS: 1700000000123456789, SuppressFor: int64(time.Hour), Note: []byte("Scan::Port_Scan"), Identifier: []byte("10.0.0.1"), Body: []byte("rec")},
		{Type: TypeStateOp, Op: StateInsert, Origin: []byte("worker-1"), Set: []byte("Known::hosts"), Body: []byte{10, 0, 0, 1}},
		{Type: TypeStateOp, Op: StateDelete, Origin: []byte("worker-1"), Set: []byte("Known::hosts"), Body: []byte{10, 0, 0, 2}},
		{Type: TypeStats, TS: 42, Path: []byte("capture_loss"), Body: []byte("x")},
	}
}

func msgEqual(a, b *Message) bool {
	return a.Type == b.Type && a.Seq == b.Seq && a.Format == b.Format && a.Count == b.Count &&
		bytes.Equal(a.Stream, b.Stream) && bytes.Equal(a.Path, b.Path) && bytes.Equal(a.Note, b.Note) &&
		bytes.Equal(a.Identifier, b.Identifier) && a.SuppressFor == b.SuppressFor && a.Op == b.Op &&
		bytes.Equal(a.Origin, b.Origin) && bytes.Equal(a.Set, b.Set) && a.TS == b.TS && a.ID == b.ID &&
		bytes.Equal(a.Body, b.Body)
}

func TestRoundTripAllTypes(t *testing.T) {
	c := &collector{}
	var srv *Server
	// The server answers status requests on the same connection.
	h := HandlerFunc(func(p *Peer, m *Message) error {
		if m.Type == TypeStatusRequest {
			return p.Send(&Message{Type: TypeStatusResponse, ID: m.ID, Body: []byte(`{"ok":true}`)})
		}
		return c.Handle(p, m)
	})
	srv, addr := startServer(t, ServerOptions{Handler: h})
	got := make(chan Message, 1)
	o := senderOpts(addr)
	o.OnMessage = func(m *Message) { got <- copyMsg(m) }
	s, err := NewSender(o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := allTypes()
	for i := range want {
		if err := s.Send(&want[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.count() != len(want) {
		t.Fatalf("got %d messages, want %d", c.count(), len(want))
	}
	for i := range want {
		if !msgEqual(&c.msgs[i], &want[i]) {
			t.Errorf("message %d:\n got %+v\nwant %+v", i, c.msgs[i], want[i])
		}
	}
	waitFor(t, "connected", s.Connected)
	if err := s.SendControl(&Message{Type: TypeStatusRequest, ID: 7}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m.Type != TypeStatusResponse || m.ID != 7 || string(m.Body) != `{"ok":true}` {
			t.Errorf("status response %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no status response")
	}
	peers := srv.Peers()
	if len(peers) != 1 || peers[0].Name != "worker-1" || peers[0].Role != config.Worker || peers[0].Epoch != s.Epoch() {
		t.Errorf("peers %+v", peers)
	}
	st := s.Stats()
	if st.Sent != 5 || st.Acked != 5 || st.Dropped != 0 || st.Buffered != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestWrongSecretRefusedBothWays(t *testing.T) {
	c := &collector{}
	var logs []string
	var mu sync.Mutex
	_, addr := startServer(t, ServerOptions{Handler: c, Log: func(f string, a ...any) {
		mu.Lock()
		logs = append(logs, fmt.Sprintf(f, a...))
		mu.Unlock()
	}})
	// Client side: the handshake itself.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, err = clientHandshake(conn, &handshakeConf{name: "intruder", role: config.Worker, epoch: 1,
		secret: []byte("not the cluster secret at all!!"), timeout: 5 * time.Second})
	conn.Close()
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("client error %v, want ErrAuth", err)
	}
	if !strings.Contains(err.Error(), "cluster secret") {
		t.Errorf("unclear error: %v", err)
	}
	// A Sender with the wrong secret: nothing it sends is delivered.
	o := senderOpts(addr)
	o.Secret = []byte("not the cluster secret at all!!")
	var serr []string
	o.Log = func(f string, a ...any) {
		mu.Lock()
		serr = append(serr, fmt.Sprintf(f, a...))
		mu.Unlock()
	}
	s, err := NewSender(o)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		s.Send(&Message{Type: TypeLogBatch, Stream: []byte("conn"), Body: []byte("secret-less\n")})
	}
	waitFor(t, "failures", func() bool { return s.Stats().Failures >= 3 })
	s.Close()
	if c.count() != 0 {
		t.Fatalf("%d messages delivered from an unauthenticated peer", c.count())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logs) == 0 || !strings.Contains(logs[0], "intruder") || !strings.Contains(logs[0], "authentication failed") {
		t.Errorf("server log %q", logs)
	}
	if len(serr) == 0 || !strings.Contains(serr[0], "authentication failed") {
		t.Errorf("sender log %q", serr)
	}
}

func TestServerWithoutSecretRefusesClient(t *testing.T) {
	// The server is the one without the secret: the client refuses it.
	c := &collector{}
	_, addr := startServer(t, ServerOptions{Handler: c, Secret: []byte("a different secret, 32 bytes...")})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = clientHandshake(conn, &handshakeConf{name: "worker-1", role: config.Worker, epoch: 1, secret: secret, timeout: 5 * time.Second})
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("got %v", err)
	}
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "xsensor-cluster"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	srvTLS, cliTLS := TLSConfigs(cert, pool)
	c := &collector{}
	_, addr := startServer(t, ServerOptions{Handler: c, TLS: srvTLS})
	o := senderOpts(addr)
	o.TLS = cliTLS
	s, err := NewSender(o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := allTypes()[0]
	s.Send(&m)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if c.count() != 1 {
		t.Fatal("not delivered over TLS")
	}
	// A client with another certificate is refused by TLS.
	other, otherPool := selfSigned(t)
	_, badCli := TLSConfigs(other, otherPool)
	o2 := senderOpts(addr)
	o2.TLS = badCli
	s2, _ := NewSender(o2)
	waitFor(t, "tls failure", func() bool { return s2.Stats().Failures > 0 })
	s2.Close()
}

func TestHandshakeTimeout(t *testing.T) {
	c := &collector{}
	srv, addr := startServer(t, ServerOptions{Handler: c, HandshakeTimeout: 100 * time.Millisecond})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write(magic[:]) // then silence
	waitFor(t, "refusal", func() bool { return srv.Stats().Refused == 1 })
}

// fileHandler appends batch bodies to a file, as a logger would; Sync
// fsyncs and returns the file length as the checkpoint.
type fileHandler struct {
	f *os.File
}

func (h *fileHandler) Handle(p *Peer, m *Message) error {
	_, err := h.f.Write(m.Body)
	return err
}

func (h *fileHandler) Sync() ([]byte, error) {
	if err := h.f.Sync(); err != nil {
		return nil, err
	}
	off, err := h.f.Seek(0, 1)
	return binary.LittleEndian.AppendUint64(nil, uint64(off)), err
}

func openFileHandler(t *testing.T, path string, cp []byte) *fileHandler {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	off := int64(0)
	if len(cp) == 8 {
		off = int64(binary.LittleEndian.Uint64(cp))
	}
	// Recovery: drop what was written after the last commit.
	if err := f.Truncate(off); err != nil {
		t.Fatal(err)
	}
	f.Seek(off, 0)
	return &fileHandler{f: f}
}

func TestReceiverCrashNoLossNoDup(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "conn.log")
	stateDir := filepath.Join(dir, "state")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	start := func(l net.Listener) (*Server, *fileHandler) {
		// Bootstrap: read the checkpoint first, then open the log with it.
		probe, err := NewServer(ServerOptions{Name: "logger", Secret: secret, Handler: &collector{}, StateDir: stateDir})
		if err != nil {
			t.Fatal(err)
		}
		cp := probe.Checkpoint()
		probe.abort()
		h := openFileHandler(t, logPath, cp)
		srv, err := NewServer(ServerOptions{Name: "logger", Secret: secret, Handler: h, StateDir: stateDir, CommitInterval: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(l)
		return srv, h
	}
	srv, h := start(l)

	const n = 3000
	s, err := NewSender(senderOpts(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		var body []byte
		for i := 0; i < n; i++ {
			body = fmt.Appendf(body[:0], "record %d\n", i)
			if err := s.Send(&Message{Type: TypeLogBatch, Stream: []byte("conn"), Count: 1, Body: body}); err != nil {
				t.Error(err)
				return
			}
			if i%50 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	// Crash the receiver twice mid-stream.
	for crash := 0; crash < 2; crash++ {
		waitFor(t, "progress", func() bool { return srv.Stats().Frames > uint64(600*(crash+1)) })
		srv.abort()
		h.f.Close()
		l2, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		srv, h = start(l2)
	}
	<-done
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	h.f.Close()
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	seen := map[string]int{}
	for _, l := range lines {
		seen[l]++
	}
	for i := 0; i < n; i++ {
		if c := seen[fmt.Sprintf("record %d", i)]; c != 1 {
			t.Errorf("record %d logged %d times", i, c)
		}
	}
	if len(lines) != n {
		t.Errorf("%d lines, want %d", len(lines), n)
	}
	t.Logf("sender %+v", s.Stats())
}

func TestStalledReceiverBoundedMemory(t *testing.T) {
	c := &collector{block: make(chan struct{})}
	_, addr := startServer(t, ServerOptions{Handler: c})
	defer close(c.block)
	o := senderOpts(addr)
	o.BufferBytes = 4 << 20
	o.MaxBlock = time.Millisecond
	s, err := NewSender(o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitFor(t, "connected", s.Connected)
	// Incompressible bodies so that socket buffers do not absorb much.
	body := make([]byte, 64<<10)
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	const batches = 1200 // 75 MiB offered
	var dropped int
	for i := 0; i < batches; i++ {
		rand.Read(body[:512])
		binary.LittleEndian.PutUint64(body[512:], uint64(i))
		if err := s.Send(&Message{Type: TypeLogBatch, Stream: []byte("conn"), Body: body}); errors.Is(err, ErrDropped) {
			dropped++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	st := s.Stats()
	if dropped == 0 || st.Dropped != uint64(dropped) {
		t.Fatalf("dropped %d, stats %+v", dropped, st)
	}
	if st.Buffered > o.BufferBytes {
		t.Errorf("buffered %d > bound %d", st.Buffered, o.BufferBytes)
	}
	growth := int64(ms1.HeapInuse) - int64(ms0.HeapInuse)
	t.Logf("offered %d MiB, dropped %d batches, buffered %d, heap growth %d KiB", batches*len(body)>>20, dropped, st.Buffered, growth>>10)
	if growth > 24<<20 {
		t.Errorf("heap grew by %d MiB for a 4 MiB buffer", growth>>20)
	}
}

func TestSpoolSurvivesSenderRestart(t *testing.T) {
	dir := t.TempDir()
	// No receiver yet: reserve an address, then close it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	o := senderOpts(addr)
	o.BufferBytes = 1 << 20
	o.SpoolDir = filepath.Join(dir, "spool")
	o.SpoolMaxBytes = 64 << 20
	s, err := NewSender(o)
	if err != nil {
		t.Fatal(err)
	}
	const n = 400
	body := make([]byte, 8<<10)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint64(body, uint64(i))
		if err := s.Send(&Message{Type: TypeLogBatch, Stream: []byte("conn"), Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	if st.Spilled == 0 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
	epoch := s.Epoch()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Restart the sender, then the receiver appears.
	s2, err := NewSender(o)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.Epoch() != epoch {
		t.Errorf("epoch changed across restart")
	}
	binary.LittleEndian.PutUint64(body, n)
	if err := s2.Send(&Message{Type: TypeLogBatch, Stream: []byte("conn"), Body: body}); err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	srv, err := NewServer(ServerOptions{Name: "logger", Secret: secret, Handler: c})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	l2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if c.count() != n+1 {
		t.Fatalf("received %d, want %d", c.count(), n+1)
	}
	for i, m := range c.msgs {
		if got := binary.LittleEndian.Uint64(m.Body); got != uint64(i) {
			t.Fatalf("message %d holds record %d: out of order", i, got)
		}
	}
	ents, _ := os.ReadDir(o.SpoolDir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), segPrefix) {
			t.Errorf("segment %s left after everything was acknowledged", e.Name())
		}
	}
}

func TestHeartbeatTimeout(t *testing.T) {
	// A "receiver" that completes the handshake and then goes silent.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				serverHandshake(c, &handshakeConf{name: "logger", role: config.Logger, secret: secret, timeout: time.Second})
				time.Sleep(5 * time.Second)
				c.Close()
			}()
		}
	}()
	o := senderOpts(l.Addr().String())
	o.HeartbeatInterval = 20 * time.Millisecond
	o.HeartbeatTimeout = 100 * time.Millisecond
	var mu sync.Mutex
	var logs []string
	o.Log = func(f string, a ...any) { mu.Lock(); logs = append(logs, fmt.Sprintf(f, a...)); mu.Unlock() }
	s, err := NewSender(o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitFor(t, "reconnect after heartbeat timeout", func() bool { return s.Stats().Connects >= 2 })
	mu.Lock()
	defer mu.Unlock()
	found := false
	for _, l := range logs {
		found = found || strings.Contains(l, "heartbeat timeout")
	}
	if !found {
		t.Errorf("no heartbeat timeout in %q", logs)
	}
}

func TestStateFileRoundTrip(t *testing.T) {
	m := marks{"w1": {epoch: 5, streams: map[string]uint64{"conn": 10, "\x00notice": 3}}, "w2": {epoch: 9, streams: map[string]uint64{}}}
	b := encodeState(m, []byte("cp"))
	got, cp, err := decodeState(b)
	if err != nil || string(cp) != "cp" || got["w1"].streams["conn"] != 10 || got["w2"].epoch != 9 {
		t.Fatalf("%v %q %v", got, cp, err)
	}
	b[10] ^= 1
	if _, _, err := decodeState(b); err == nil {
		t.Fatal("corruption not detected")
	}
}

// FuzzFrame decodes arbitrary bytes as a frame, a hello and a state file:
// never a panic, and a frame that decodes re-encodes to the same bytes.
func FuzzFrame(f *testing.F) {
	for _, m := range allTypes() {
		m.Seq = 3
		b, _ := AppendFrame(nil, &m)
		f.Add(b) // each sequenced type
	}
	for _, m := range []Message{{Type: TypeAck, Seq: 9}, {Type: TypeHeartbeat, TS: 1}, {Type: TypeStatusRequest, ID: 1, Body: []byte("{}")}} {
		b, _ := AppendFrame(nil, &m)
		f.Add(b) // control types
	}
	h := hello{Version: Version, Role: config.Worker, Epoch: 7, Name: "worker-1"}
	f.Add(h.append(nil))                                                                   // a hello
	f.Add(encodeState(marks{"w": {epoch: 1, streams: map[string]uint64{"conn": 2}}}, nil)) // a state file
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff})                                               // oversized length
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		if n, err := DecodeFrame(b, &m); err == nil {
			re, err := AppendFrame(nil, &m)
			if err != nil {
				t.Fatalf("decoded frame does not encode: %v", err)
			}
			if !bytes.Equal(re, b[:n]) {
				t.Fatalf("re-encoding differs:\n%x\n%x", re, b[:n])
			}
		}
		if h, err := parseHello(b); err == nil {
			if !bytes.Equal(h.append(nil), b) {
				t.Fatal("hello re-encoding differs")
			}
		}
		decodeState(b)
	})
}
