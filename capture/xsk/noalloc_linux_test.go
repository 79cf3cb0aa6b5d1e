package xsk

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"xsensor/capture/internal/captest"
)

// receiveReady opens a one-socket copy-mode group fed by the redirect
// program and returns it with n frames waiting on its RX ring.
func receiveReady(t testing.TB, n int) (*captest.Veth, *Group) {
	v := captest.NewVeth(t, "xsk")
	opts := DefaultOptions()
	opts.FrameCount, opts.FillRingSize, opts.RxRingSize = 2048, 2048, 2048
	var g *Group
	captest.InNetns(t, v.SensorNS, func() {
		var err error
		if g, err = OpenGroup(v.SensorIdx, 0, 1, opts); err != nil {
			t.Fatal(err)
		}
		attachRedirect(t, v.SensorIdx, fds(g), -1, 0)
	})
	t.Cleanup(func() { g.Close() })
	return v, g
}

// TestNoAllocs: the receive, view and release loop, and Wait, allocate
// nothing.
func TestNoAllocs(t *testing.T) {
	v, g := receiveReady(t, 0)
	var snd = peerSenderTB(t, v)
	const want = 1000
	for i := 0; i < want; i++ {
		if err := snd.Send(captest.Frame(v.SensorMAC, v.PeerMAC, i%7, i)); err != nil {
			t.Fatal(err)
		}
	}
	s := g.Sockets()[0]
	deadline := time.Now().Add(2 * time.Second)
	for {
		st, _ := s.Stats()
		if st.Rx.Len() >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	descs := make([]Desc, 8)
	total := 0
	allocs := testing.AllocsPerRun(100, func() {
		n := s.Receive(descs)
		for _, d := range descs[:n] {
			total += len(s.Frame(d))
		}
		s.Release(descs[:n])
	})
	if allocs != 0 {
		t.Errorf("receive/release loop: %v allocations per run", allocs)
	}
	if total == 0 {
		t.Fatal("no frames went through the measured loop")
	}
	if allocs := testing.AllocsPerRun(20, func() { s.Wait(0) }); allocs != 0 {
		t.Errorf("Wait: %v allocations per run", allocs)
	}
}

// BenchmarkReceive measures frames per second through one copy-mode
// socket while a goroutine floods the veth from the peer side with
// AF_PACKET. On a 2-core box the sender and the kernel's copy dominate.
func BenchmarkReceive(b *testing.B) {
	v, g := receiveReady(b, 0)
	snd := peerSenderTB(b, v)
	s := g.Sockets()[0]
	frame := captest.Frame(v.SensorMAC, v.PeerMAC, 1, 1)[:64]
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for i := 0; i < 64; i++ {
				snd.Send(frame)
			}
		}
	}()
	descs := make([]Desc, 64)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for got := 0; got < b.N; {
		n := s.Receive(descs)
		if n == 0 {
			s.Wait(10 * time.Millisecond)
			continue
		}
		s.Release(descs[:n])
		got += n
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "frames/s")
	b.StopTimer()
	close(stop)
	<-done
	st, _ := s.Stats()
	b.Logf("stats: %+v", st)
}

// BenchmarkReceiveFromXSK is BenchmarkReceive with an AF_XDP TX socket as
// the sender on the peer side: batched sendto instead of one syscall per
// frame, so the receiving side is closer to its own limit.
func BenchmarkReceiveFromXSK(b *testing.B) {
	v, g := receiveReady(b, 0)
	s := g.Sockets()[0]
	to := DefaultOptions()
	to.FrameCount, to.TxFrames, to.FillRingSize = 1024, 1024, 1024
	to.RxRingSize, to.TxRingSize, to.CompletionRingSize = 0, 512, 1024
	var tg *Group
	captest.InNetns(b, v.PeerNS, func() {
		var err error
		if tg, err = OpenGroup(v.PeerIdx, 0, 1, to); err != nil {
			b.Fatal(err)
		}
	})
	defer tg.Close()
	frame := captest.Frame(v.SensorMAC, v.PeerMAC, 1, 1)[:64]
	u := tg.UMEM()
	free := make([]uint64, 0, u.TxFrames())
	for i := 0; i < int(u.TxFrames()); i++ {
		copy(u.Chunk(u.TxAddr(i)), frame)
		free = append(free, u.TxAddr(i))
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		ts := tg.Sockets()[0]
		var batch [64]Desc
		addrs := make([]uint64, 256)
		for {
			select {
			case <-stop:
				return
			default:
			}
			k := 0
			for k < len(batch) && len(free) > 0 {
				batch[k] = Desc{Addr: free[len(free)-1], Len: uint32(len(frame))}
				free = free[:len(free)-1]
				k++
			}
			put := ts.Transmit(batch[:k])
			for _, d := range batch[put:k] {
				free = append(free, d.Addr)
			}
			ts.Kick()
			for n := ts.Complete(addrs); n > 0; n = ts.Complete(addrs) {
				free = append(free, addrs[:n]...)
			}
		}
	}()
	descs := make([]Desc, 64)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for got := 0; got < b.N; {
		n := s.Receive(descs)
		if n == 0 {
			s.Wait(10 * time.Millisecond)
			continue
		}
		s.Release(descs[:n])
		got += n
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "frames/s")
	b.StopTimer()
	close(stop)
	<-done
	st, _ := s.Stats()
	b.Logf("rx stats: %+v", st)
	tst, _ := tg.Sockets()[0].Stats()
	b.Logf("tx stats: %+v", tst)
}

// TestBusyPoll: busy-poll options are best effort; the group opens either
// way and a refusal is logged at most once.
func TestBusyPoll(t *testing.T) {
	v := captest.NewVeth(t, "xsk")
	opts := DefaultOptions()
	opts.FrameCount, opts.FillRingSize, opts.RxRingSize = 512, 512, 256
	opts.BusyPoll = true
	var logs []string
	opts.Logf = func(format string, args ...any) { logs = append(logs, fmt.Sprintf(format, args...)) }
	var g *Group
	captest.InNetns(t, v.SensorNS, func() {
		var err error
		if g, err = OpenGroup(v.SensorIdx, 0, 2, opts); err != nil {
			t.Fatalf("open with busy poll: %v", err)
		}
		attachRedirect(t, v.SensorIdx, fds(g), captest.PayloadOff, 1)
	})
	t.Cleanup(func() { g.Close() })
	if g.Sockets()[0].busyPoll {
		// Busy polling accepted: the normal receive test must still
		// deliver everything through the recvfrom path of Wait.
		runReceive(t, v, g, makeFrames(v, 4, 100))
		if allocs := testing.AllocsPerRun(20, func() { g.Sockets()[0].Wait(0) }); allocs != 0 {
			t.Errorf("busy-poll Wait: %v allocations per run", allocs)
		}
	}
	busy := 0
	for _, l := range logs {
		if strings.Contains(l, "busy") {
			busy++
		}
	}
	if busy > 1 {
		t.Errorf("busy-poll refusal logged %d times: %q", busy, logs)
	}
	t.Logf("logs: %q", logs)
}
