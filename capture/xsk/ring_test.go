package xsk

import (
	"sync"
	"sync/atomic"
	"testing"
)

// fakeRing is ring memory in ordinary Go memory: producer, consumer and
// flags words, as the kernel would map them.
type fakeRing struct {
	prod, cons, flags atomic.Uint32
}

func newFill(start, size uint32) (*fakeRing, *fillQueue) {
	f := &fakeRing{}
	f.prod.Store(start)
	f.cons.Store(start)
	q := &fillQueue{ring: make([]uint64, size)}
	q.init(&f.prod, &f.cons, &f.flags, size)
	return f, q
}

func newRx(start, size uint32) (*fakeRing, *rxQueue) {
	f := &fakeRing{}
	f.prod.Store(start)
	f.cons.Store(start)
	q := &rxQueue{ring: make([]Desc, size)}
	q.init(&f.prod, &f.cons, &f.flags, size)
	return f, q
}

// TestProdRingWrap fills and drains a producer ring across the 2^32 index
// wrap, checking free space and slot placement.
func TestProdRingWrap(t *testing.T) {
	for _, start := range []uint32{0, 5, 1<<32 - 3, 1<<32 - 8} {
		f, q := newFill(start, 8)
		if n := q.free(100); n != 8 {
			t.Fatalf("start %d: free %d, want 8", start, n)
		}
		next := uint64(0)
		for round := 0; round < 20; round++ {
			addrs := []uint64{next, next + 1, next + 2, next + 3, next + 4}
			n := q.put(addrs, ^uint64(0))
			// Kernel consumes everything it was given, checking order.
			for f.cons.Load() != f.prod.Load() {
				c := f.cons.Load()
				if got := q.ring[c&q.mask]; got != next {
					t.Fatalf("start %d round %d: slot %d = %d, want %d", start, round, c&q.mask, got, next)
				}
				next++
				f.cons.Store(c + 1)
			}
			if n != 5 {
				t.Fatalf("start %d round %d: put %d, want 5", start, round, n)
			}
		}
		if f.prod.Load() != start+100 {
			t.Fatalf("start %d: producer %d, want %d", start, f.prod.Load(), start+100)
		}
	}
}

// TestProdRingFull: a full ring refuses more until the kernel consumes,
// and the consumer index is only reloaded when the cache runs out.
func TestProdRingFull(t *testing.T) {
	f, q := newFill(1<<32-2, 4)
	if n := q.put([]uint64{1, 2, 3, 4, 5, 6}, ^uint64(0)); n != 4 {
		t.Fatalf("put %d into 4-slot ring", n)
	}
	if n := q.put([]uint64{7}, ^uint64(0)); n != 0 {
		t.Fatalf("put %d into full ring", n)
	}
	f.cons.Add(3)
	if n := q.put([]uint64{7, 8}, ^uint64(0)); n != 2 {
		t.Fatalf("put %d after kernel consumed 3", n)
	}
	// The cache still knows of one free slot: no reload needed for it.
	f.cons.Store(0xdead) // garbage a reload would expose
	if n := q.free(1); n != 1 {
		t.Fatalf("cached free %d, want 1", n)
	}
}

// TestFillMask: released addresses are rounded down to their chunk.
func TestFillMask(t *testing.T) {
	_, q := newFill(0, 4)
	q.put([]uint64{4096 + 256 + 17, 2048 + 300}, ^uint64(2047))
	if q.ring[0] != 4096 || q.ring[1] != 2048 {
		t.Fatalf("masked %v", q.ring[:2])
	}
}

// TestConsRingWrap produces descriptors across the index wrap and reads
// them back in batches of odd size.
func TestConsRingWrap(t *testing.T) {
	for _, start := range []uint32{0, 1<<32 - 5} {
		f, q := newRx(start, 8)
		descs := make([]Desc, 3)
		var want, got uint64
		for round := 0; round < 40; round++ {
			// Kernel produces up to 6 entries if there is room.
			for i := 0; i < 6 && f.prod.Load()-f.cons.Load() < 8; i++ {
				p := f.prod.Load()
				q.ring[p&q.mask] = Desc{Addr: want, Len: uint32(want)}
				want++
				f.prod.Store(p + 1)
			}
			n := q.get(descs)
			for _, d := range descs[:n] {
				if d.Addr != got || d.Len != uint32(got) {
					t.Fatalf("start %d: got desc %+v, want addr %d", start, d, got)
				}
				got++
			}
		}
		for n := q.get(descs); n > 0; n = q.get(descs) {
			got += uint64(n)
		}
		if got != want {
			t.Fatalf("start %d: consumed %d of %d", start, got, want)
		}
		if f.cons.Load() != start+uint32(want) {
			t.Fatalf("start %d: consumer index %d", start, f.cons.Load())
		}
	}
}

// TestConsRingCache: the producer index is loaded only when the cache
// is empty.
func TestConsRingCache(t *testing.T) {
	f, q := newRx(0, 8)
	f.prod.Store(4)
	if n := q.avail(2); n != 2 {
		t.Fatalf("avail %d", n)
	}
	q.release(2)
	f.prod.Store(8)
	if n := q.avail(10); n != 2 {
		t.Fatalf("avail %d from cache, want 2 (no reload while entries remain)", n)
	}
	q.release(2)
	if n := q.avail(10); n != 4 {
		t.Fatalf("avail %d after reload, want 4", n)
	}
}

// TestReturnRingWrap pushes and drains a return ring across the index
// wrap and a fill ring too small to take everything at once.
func TestReturnRingWrap(t *testing.T) {
	r := newReturnRing(5) // rounds up to 8
	if len(r.buf) != 8 {
		t.Fatalf("capacity %d", len(r.buf))
	}
	r.head.Store(1<<32 - 3)
	r.tail.Store(1<<32 - 3)
	f, q := newFill(0, 4)
	var next, seen uint64
	for round := 0; round < 30; round++ {
		descs := make([]Desc, 3)
		for i := range descs {
			descs[i].Addr = next * 2048
			next++
		}
		if n := r.push(descs); n != 3 {
			t.Fatalf("round %d: pushed %d", round, n)
		}
		r.drainTo(q, ^uint64(2047))
		for f.cons.Load() != f.prod.Load() {
			c := f.cons.Load()
			if got := q.ring[c&q.mask]; got != seen*2048 {
				t.Fatalf("round %d: fill got %d, want %d", round, got, seen*2048)
			}
			seen++
			f.cons.Store(c + 1)
		}
	}
	if r.drainTo(q, ^uint64(0)); r.pending() {
		for f.cons.Load() != f.prod.Load() {
			f.cons.Add(1)
			seen++
		}
	}
	if r.drainTo(q, ^uint64(0)); r.pending() {
		t.Fatalf("ring still pending")
	}
	seen += uint64(f.prod.Load() - f.cons.Load())
	if seen != next {
		t.Fatalf("drained %d of %d", seen, next)
	}
	// A full ring takes no more (double release).
	full := make([]Desc, 9)
	if n := r.push(full); n != 8 {
		t.Fatalf("pushed %d into empty 8-slot ring", n)
	}
}

// TestFillerConcurrent: several workers release chunks concurrently while
// a fake kernel consumes the fill ring and hands chunks out again round
// robin. Every chunk must keep circulating: none lost, none duplicated.
// Run with -race to check the token protocol.
func TestFillerConcurrent(t *testing.T) {
	const workers, frames, rounds = 4, 256, 4000
	fr, fq := newFill(1<<32-100, frames)
	f := &filler{mask: ^uint64(2047)}
	f.fq = *fq
	inbox := make([]chan uint64, workers)
	for i := range inbox {
		inbox[i] = make(chan uint64, frames)
		f.rings = append(f.rings, newReturnRing(frames))
	}
	// Initial fill, as OpenGroup does.
	for a := uint64(0); a < frames; a++ {
		inbox[a%workers] <- a * 2048
	}
	var wg sync.WaitGroup
	var delivered atomic.Int64
	stop := make(chan struct{})
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var batch []Desc
			for {
				select {
				case a := <-inbox[w]:
					batch = append(batch, Desc{Addr: a + 256, Len: 60})
					if len(batch) == cap(batch) || len(inbox[w]) == 0 {
						// Release goes through the socket's return ring.
						f.rings[w].push(batch)
						f.flush()
						batch = batch[:0]
					}
				case <-stop:
					if len(batch) > 0 {
						f.rings[w].push(batch)
						f.flush()
					}
					return
				}
			}
		}(w)
	}
	// The fake kernel: take chunks from the fill ring, deliver them to
	// workers round robin.
	seen := make(map[uint64]int)
	k := 0
	for delivered.Load() < rounds*workers {
		c, p := fr.cons.Load(), fr.prod.Load()
		if c == p {
			continue
		}
		a := fq.ring[c&fq.mask]
		if a%2048 != 0 {
			t.Fatalf("unmasked address %d on fill ring", a)
		}
		seen[a]++
		fr.cons.Store(c + 1)
		inbox[k%workers] <- a
		k++
		delivered.Add(1)
	}
	close(stop)
	wg.Wait()
	f.flush()
	// Everything that is not in an inbox must now be on the fill ring.
	onRing := int(fr.prod.Load() - fr.cons.Load())
	inFlight := 0
	for _, c := range inbox {
		inFlight += len(c)
	}
	if onRing+inFlight != frames {
		t.Fatalf("%d chunks on the fill ring + %d in flight, want %d", onRing, inFlight, frames)
	}
	if len(seen) != frames {
		t.Fatalf("%d distinct chunks circulated, want %d", len(seen), frames)
	}
}

// BenchmarkRingReceiveRelease measures the user-side cost per frame of
// Receive + Release against a fake kernel that refills the RX ring from
// the fill ring.
func BenchmarkRingReceiveRelease(b *testing.B) {
	const size = 1024
	rxf, rx := newRx(0, size)
	fr, fq := newFill(0, size)
	f := &filler{mask: ^uint64(2047)}
	f.fq = *fq
	ret := newReturnRing(size)
	f.rings = []*returnRing{ret}
	s := &Socket{rx: *rx, fill: f, ret: ret}
	descs := make([]Desc, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		// Kernel: move up to 64 chunks from the fill ring to RX.
		p := rxf.prod.Load()
		for i := 0; i < 64 && rxf.prod.Load()-rxf.cons.Load() < size; i++ {
			a := uint64(p) * 2048 % (size * 2048)
			if c := fr.cons.Load(); c != fr.prod.Load() {
				a = fq.ring[c&fq.mask]
				fr.cons.Store(c + 1)
			}
			s.rx.ring[p&(size-1)] = Desc{Addr: a + 256, Len: 64}
			p++
			rxf.prod.Store(p)
		}
		n := s.Receive(descs)
		s.Release(descs[:n])
		done += n
	}
}
