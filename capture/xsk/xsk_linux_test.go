package xsk

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"xsensor/capture/internal/captest"

	"golang.org/x/sys/unix"

	"xsensor/capture/afpacket"
)

// rxLog records which socket received each test frame.
type rxLog struct {
	v       *captest.Veth
	mu      sync.Mutex
	where   map[[2]int]int // (flow, seq) -> socket
	errs    []string
	perSock []int
	good    atomic.Int64
}

func newRxLog(v *captest.Veth, sockets int) *rxLog {
	return &rxLog{v: v, where: map[[2]int]int{}, perSock: make([]int, sockets)}
}

func (l *rxLog) record(sock int, b []byte) {
	flow, seq, ok := captest.ParseFrame(b)
	if !ok {
		return // not ours
	}
	want := captest.Frame(l.v.SensorMAC, l.v.PeerMAC, flow, seq)
	l.mu.Lock()
	defer l.mu.Unlock()
	k := [2]int{flow, seq}
	switch {
	case !bytes.Equal(b, want):
		l.errs = append(l.errs, fmt.Sprintf("flow %d seq %d: %d bytes differ from the %d sent", flow, seq, len(b), len(want)))
	case l.where[k] != 0:
		l.errs = append(l.errs, fmt.Sprintf("flow %d seq %d received twice", flow, seq))
	default:
		l.where[k] = sock + 1
		l.perSock[sock]++
		l.good.Add(1)
	}
}

// sendAll sends frames from the peer side in bursts, waiting after each
// burst until the receivers caught up, so no ring overflows.
func sendAll(t *testing.T, snd *afpacket.Sender, frames [][]byte, received func() int64) {
	t.Helper()
	patient := true
	for i, f := range frames {
		for tries := 0; ; tries++ {
			err := snd.Send(f)
			if err == nil {
				break
			}
			if (errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.EAGAIN)) && tries < 10000 {
				time.Sleep(20 * time.Microsecond)
				continue
			}
			t.Fatalf("send frame %d: %v", i, err)
		}
		if (i+1)%64 == 0 || i == len(frames)-1 {
			deadline := time.Now().Add(2 * time.Second)
			for patient && received() < int64(i+1) {
				if time.Now().After(deadline) {
					t.Logf("receivers stalled at %d of %d frames", received(), i+1)
					patient = false
				}
				time.Sleep(50 * time.Microsecond)
			}
		}
	}
}

// serve runs a receive loop on s until stop closes.
func serve(s *Socket, log *rxLog, stop <-chan struct{}, wg *sync.WaitGroup, errc chan<- error) {
	defer wg.Done()
	descs := make([]Desc, 64)
	for {
		n := s.Receive(descs)
		if n == 0 {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Wait(5 * time.Millisecond); err != nil {
				errc <- err
				return
			}
			continue
		}
		for _, d := range descs[:n] {
			log.record(s.Index(), s.Frame(d))
		}
		s.Release(descs[:n])
	}
}

func peerSender(t *testing.T, v *captest.Veth) *afpacket.Sender { return peerSenderTB(t, v) }

func peerSenderTB(t testing.TB, v *captest.Veth) *afpacket.Sender {
	var snd *afpacket.Sender
	captest.InNetns(t, v.PeerNS, func() {
		var err error
		if snd, err = afpacket.NewSender(v.PeerIdx, afpacket.SenderOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Cleanup(func() { snd.Close() })
	return snd
}

// openCopyGroup opens a group on the sensor end with a logger that
// records every line, and checks the zero-copy fallback was logged once.
func openCopyGroup(t *testing.T, v *captest.Veth, n int, opts Options) *Group {
	t.Helper()
	var logs []string
	opts.Logf = func(format string, args ...any) { logs = append(logs, fmt.Sprintf(format, args...)) }
	var g *Group
	captest.InNetns(t, v.SensorNS, func() {
		var err error
		if g, err = OpenGroup(v.SensorIdx, 0, n, opts); err != nil {
			t.Fatalf("open group: %v", err)
		}
	})
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Error(err)
		}
	})
	if g.Mode() != ModeCopy {
		t.Fatalf("mode %v on veth, want copy (zero-copy is refused on veth)", g.Mode())
	}
	if len(logs) != 1 || !strings.Contains(logs[0], "zero-copy bind refused") {
		t.Fatalf("want exactly one zero-copy fallback line, got %q", logs)
	}
	t.Logf("fallback logged: %s", logs[0])
	return g
}

func fds(g *Group) []int {
	var out []int
	for _, s := range g.Sockets() {
		out = append(out, s.FD())
	}
	return out
}

func runReceive(t *testing.T, v *captest.Veth, g *Group, frames [][]byte) *rxLog {
	t.Helper()
	log := newRxLog(v, len(g.Sockets()))
	stop := make(chan struct{})
	errc := make(chan error, len(g.Sockets()))
	var wg sync.WaitGroup
	for _, s := range g.Sockets() {
		wg.Add(1)
		go serve(s, log, stop, &wg, errc)
	}
	sendAll(t, peerSender(t, v), frames, log.good.Load)
	deadline := time.Now().Add(3 * time.Second)
	for log.good.Load() < int64(len(frames)) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errc:
		t.Fatalf("receive: %v", err)
	default:
	}
	for _, e := range log.errs {
		t.Error(e)
	}
	if got := log.good.Load(); got != int64(len(frames)) {
		t.Errorf("received %d of %d frames intact", got, len(frames))
	}
	for _, s := range g.Sockets() {
		st, err := s.Stats()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("socket %d: %+v", s.Index(), st)
		if st.RxDropped != 0 || st.RxRingFull != 0 || st.RxInvalidDescs != 0 {
			t.Errorf("socket %d: kernel dropped frames: %+v", s.Index(), st)
		}
	}
	return log
}

func makeFrames(v *captest.Veth, flows, perFlow int) [][]byte {
	var frames [][]byte
	for seq := 0; seq < perFlow; seq++ {
		for f := 0; f < flows; f++ {
			frames = append(frames, captest.Frame(v.SensorMAC, v.PeerMAC, f, seq))
		}
	}
	return frames
}

// TestCopyModeReceive: driver-mode XDP on veth redirects every frame to
// one copy-mode socket, which gets all of them byte for byte.
func TestCopyModeReceive(t *testing.T) {
	v := captest.NewVeth(t, "xsk")
	opts := DefaultOptions()
	opts.FrameCount, opts.FillRingSize, opts.RxRingSize = 1024, 1024, 512
	g := openCopyGroup(t, v, 1, opts)
	captest.InNetns(t, v.SensorNS, func() { attachRedirect(t, v.SensorIdx, fds(g), -1, 0) })
	runReceive(t, v, g, makeFrames(v, 8, 250))
}

// TestSharedUMEM: two sockets on one queue share a UMEM and its fill
// ring; the XDP program picks the socket by the first payload byte
// (flow & 1). Each socket receives exactly its flows.
func TestSharedUMEM(t *testing.T) {
	v := captest.NewVeth(t, "xsk")
	opts := DefaultOptions()
	opts.FrameCount, opts.FillRingSize, opts.RxRingSize = 512, 512, 256
	g := openCopyGroup(t, v, 2, opts)
	captest.InNetns(t, v.SensorNS, func() { attachRedirect(t, v.SensorIdx, fds(g), captest.PayloadOff, 1) })
	const flows, perFlow = 16, 100
	log := runReceive(t, v, g, makeFrames(v, flows, perFlow))
	for k, sock := range log.where {
		if want := k[0]&1 + 1; sock != want {
			t.Errorf("flow %d seq %d on socket %d, want %d", k[0], k[1], sock-1, want-1)
		}
	}
	for i, n := range log.perSock {
		if n != flows*perFlow/2 {
			t.Errorf("socket %d received %d frames, want %d", i, n, flows*perFlow/2)
		}
	}
	// 1600 frames through a 512-frame UMEM: the return rings and the
	// shared fill ring recycled every chunk several times.
	st, _ := g.Sockets()[0].Stats()
	if st.Fill.Producer < 1600 {
		t.Errorf("fill ring producer %d: chunks were not recycled", st.Fill.Producer)
	}
}

// TestTransmit sends frames with the AF_XDP TX ring from the peer side and
// receives them with AF_PACKET on the sensor side.
func TestTransmit(t *testing.T) {
	v := captest.NewVeth(t, "xsk")
	opts := DefaultOptions()
	opts.FrameCount, opts.TxFrames, opts.FillRingSize = 256, 256, 256
	opts.RxRingSize, opts.TxRingSize, opts.CompletionRingSize = 0, 128, 256
	var g *Group
	captest.InNetns(t, v.PeerNS, func() {
		var err error
		if g, err = OpenGroup(v.PeerIdx, 0, 1, opts); err != nil {
			t.Fatal(err)
		}
	})
	defer g.Close()
	var rx *afpacket.Socket
	captest.InNetns(t, v.SensorNS, func() {
		ao := afpacket.DefaultOptions()
		ao.BlockSize, ao.BlockCount, ao.Fanout, ao.BlockTimeout = 1<<16, 64, false, time.Millisecond
		var err error
		if rx, err = afpacket.Open(v.SensorIdx, ao); err != nil {
			t.Fatal(err)
		}
	})
	defer rx.Close()

	frames := makeFrames(v, 4, 250)
	s := g.Sockets()[0]
	u := g.UMEM()
	free := make([]uint64, 0, u.TxFrames())
	for i := 0; i < int(u.TxFrames()); i++ {
		free = append(free, u.TxAddr(i))
	}
	got := map[[2]int]bool{}
	pkts := make([]afpacket.Packet, 64)
	drain := func() {
		for n := rx.Receive(pkts); n > 0; n = rx.Receive(pkts) {
			for _, p := range pkts[:n] {
				if flow, seq, ok := captest.ParseFrame(p.Data); ok {
					if !bytes.Equal(p.Data, captest.Frame(v.SensorMAC, v.PeerMAC, flow, seq)) {
						t.Errorf("flow %d seq %d corrupted", flow, seq)
					}
					got[[2]int{flow, seq}] = true
				}
			}
		}
	}
	addrs := make([]uint64, 64)
	sent := 0
	deadline := time.Now().Add(5 * time.Second)
	for sent < len(frames) && time.Now().Before(deadline) {
		var batch [16]Desc
		k := 0
		for k < len(batch) && sent+k < len(frames) && len(free) > 0 {
			a := free[len(free)-1]
			free = free[:len(free)-1]
			n := copy(u.Chunk(a), frames[sent+k])
			batch[k] = Desc{Addr: a, Len: uint32(n)}
			k++
		}
		put := s.Transmit(batch[:k])
		for _, d := range batch[put:k] {
			free = append(free, d.Addr)
		}
		sent += put
		if err := s.Kick(); err != nil {
			t.Fatal(err)
		}
		for n := s.Complete(addrs); n > 0; n = s.Complete(addrs) {
			free = append(free, addrs[:n]...)
		}
		if len(free) == 0 {
			time.Sleep(50 * time.Microsecond)
		}
		if len(got) < sent-256 || sent%128 == 0 {
			rx.Wait(time.Millisecond)
			drain()
		}
	}
	for len(got) < len(frames) && time.Now().Before(deadline) {
		s.Kick()
		rx.Wait(2 * time.Millisecond)
		drain()
	}
	if len(got) != len(frames) {
		t.Errorf("afpacket received %d of %d frames sent with AF_XDP (sent %d)", len(got), len(frames), sent)
	}
	st, _ := s.Stats()
	t.Logf("tx stats: %+v", st)
}
