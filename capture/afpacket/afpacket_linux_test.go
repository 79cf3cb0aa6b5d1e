package afpacket

import (
	"bytes"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"xsensor/capture/internal/captest"

	"golang.org/x/sys/unix"
)

func testOptions() Options {
	o := DefaultOptions()
	o.BlockSize, o.BlockCount, o.BlockTimeout = 1<<16, 32, 2*time.Millisecond
	o.FanoutGroup = uint16(os.Getpid())
	return o
}

func openSensor(t testing.TB, v *captest.Veth, n int, o Options) []*Socket {
	t.Helper()
	var socks []*Socket
	captest.InNetns(t, v.SensorNS, func() {
		for i := 0; i < n; i++ {
			s, err := Open(v.SensorIdx, o)
			if err != nil {
				t.Fatalf("open socket %d: %v", i, err)
			}
			t.Cleanup(func() { s.Close() })
			socks = append(socks, s)
		}
	})
	return socks
}

func openSender(t testing.TB, v *captest.Veth) *Sender {
	t.Helper()
	var snd *Sender
	captest.InNetns(t, v.PeerNS, func() {
		var err error
		if snd, err = NewSender(v.PeerIdx, SenderOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Cleanup(func() { snd.Close() })
	return snd
}

// send transmits one frame, retrying while the veth pushes back.
func send(t testing.TB, snd *Sender, f []byte) {
	for tries := 0; ; tries++ {
		err := snd.Send(f)
		if err == nil {
			return
		}
		if (errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.EAGAIN)) && tries < 10000 {
			time.Sleep(20 * time.Microsecond)
			continue
		}
		t.Fatalf("send: %v", err)
	}
}

// TestFanout: two sockets in one PACKET_FANOUT_HASH group share 64 flows
// sent in both directions. Every frame arrives intact, each flow on
// exactly one socket, and both sockets get flows.
func TestFanout(t *testing.T) {
	v := captest.NewVeth(t, "afp")
	socks := openSensor(t, v, 2, testOptions())
	snd := openSender(t, v)

	const flows, perFlow = 64, 20
	type key struct{ flow, seq int }
	var mu sync.Mutex
	where := map[key]int{}
	flowSock := map[int]map[int]bool{}
	var good atomic.Int64
	var bad []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, s := range socks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pkts := make([]Packet, 32)
			for {
				n := s.Receive(pkts)
				if n == 0 {
					select {
					case <-stop:
						return
					default:
					}
					s.Wait(5 * time.Millisecond)
					continue
				}
				mu.Lock()
				for _, p := range pkts[:n] {
					flow, seq, ok := captest.ParseFrame(p.Data)
					if !ok {
						continue
					}
					switch {
					case !bytes.Equal(p.Data, captest.Frame(v.SensorMAC, v.PeerMAC, flow, seq)):
						bad = append(bad, "corrupt frame")
					case where[key{flow, seq}] != 0:
						bad = append(bad, "duplicate frame")
					default:
						where[key{flow, seq}] = i + 1
						if flowSock[flow] == nil {
							flowSock[flow] = map[int]bool{}
						}
						flowSock[flow][i] = true
						good.Add(1)
					}
				}
				mu.Unlock()
			}
		}()
	}
	sent := 0
	for seq := 0; seq < perFlow; seq++ {
		for f := 0; f < flows; f++ {
			send(t, snd, captest.Frame(v.SensorMAC, v.PeerMAC, f, seq))
			sent++
		}
		// Let the receivers keep up: the veth backlog is 1000 frames.
		deadline := time.Now().Add(2 * time.Second)
		for good.Load() < int64(sent) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Microsecond)
		}
	}
	close(stop)
	wg.Wait()
	for _, b := range bad {
		t.Error(b)
	}
	if got := good.Load(); got != flows*perFlow {
		t.Errorf("received %d of %d frames", got, flows*perFlow)
	}
	per := [2]int{}
	for f, m := range flowSock {
		if len(m) != 1 {
			t.Errorf("flow %d (both directions) spread over sockets %v", f, m)
		}
		for i := range m {
			per[i]++
		}
	}
	if per[0] == 0 || per[1] == 0 {
		t.Errorf("flows per socket %v: hash fanout put everything on one socket", per)
	}
	t.Logf("flows per socket: %v", per)
	for i, s := range socks {
		st, err := s.Stats()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("socket %d: %+v", i, st)
		if st.Drops != 0 {
			t.Errorf("socket %d dropped %d", i, st.Drops)
		}
	}
}

// TestNoAllocs: Receive and Wait allocate nothing.
func TestNoAllocs(t *testing.T) {
	v := captest.NewVeth(t, "afp")
	o := testOptions()
	o.Fanout = false
	s := openSensor(t, v, 1, o)[0]
	snd := openSender(t, v)
	for i := 0; i < 500; i++ {
		send(t, snd, captest.Frame(v.SensorMAC, v.PeerMAC, i%5, i))
	}
	time.Sleep(20 * time.Millisecond) // let the block timeout retire the last block
	pkts := make([]Packet, 8)
	total := 0
	allocs := testing.AllocsPerRun(50, func() {
		n := s.Receive(pkts)
		for _, p := range pkts[:n] {
			total += len(p.Data)
		}
		if n == 0 {
			s.Wait(0)
		}
	})
	if allocs != 0 {
		t.Errorf("Receive: %v allocations per run", allocs)
	}
	if total == 0 {
		t.Fatal("no packets went through the measured loop")
	}
	frame := captest.Frame(v.SensorMAC, v.PeerMAC, 1, 1)
	if allocs := testing.AllocsPerRun(50, func() { snd.Send(frame) }); allocs != 0 {
		t.Errorf("Send: %v allocations per run", allocs)
	}
}

// BenchmarkReceive measures frames per second through one TPACKET_V3
// socket while a goroutine floods the veth from the peer side.
func BenchmarkReceive(b *testing.B) {
	v := captest.NewVeth(b, "afp")
	o := testOptions()
	o.Fanout = false
	s := openSensor(b, v, 1, o)[0]
	snd := openSender(b, v)
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
	pkts := make([]Packet, 64)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for got := 0; got < b.N; {
		n := s.Receive(pkts)
		if n == 0 {
			s.Wait(10 * time.Millisecond)
			continue
		}
		got += n
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "frames/s")
	b.StopTimer()
	close(stop)
	<-done
	st, _ := s.Stats()
	b.Logf("stats: %+v", st)
}
