package ring

import (
	"sync"
	"testing"
	"unsafe"
)

func TestNewRoundsCapacity(t *testing.T) {
	for c, want := range map[int]int{-1: 2, 0: 2, 1: 2, 2: 2, 3: 4, 100: 128, 1024: 1024} {
		if got := New[int](c).Cap(); got != want {
			t.Errorf("New(%d).Cap() = %d, want %d", c, got, want)
		}
	}
}

func TestLayout(t *testing.T) {
	var r SPSC[int]
	tail := unsafe.Offsetof(r.tail)
	head := unsafe.Offsetof(r.head)
	closed := unsafe.Offsetof(r.closed)
	if head-tail < cacheLine || closed-head < cacheLine {
		t.Errorf("tail@%d head@%d closed@%d share cache lines", tail, head, closed)
	}
}

func TestSequential(t *testing.T) {
	r := New[int](8)
	for i := 0; i < 8; i++ {
		if !r.TryPush(i) {
			t.Fatalf("push %d failed", i)
		}
	}
	if r.TryPush(8) {
		t.Fatal("push into full ring succeeded")
	}
	if r.Len() != 8 {
		t.Fatalf("Len %d", r.Len())
	}
	for i := 0; i < 8; i++ {
		v, ok := r.TryPop()
		if !ok || v != i {
			t.Fatalf("pop %d: %d %v", i, v, ok)
		}
	}
	if _, ok := r.TryPop(); ok {
		t.Fatal("pop from empty ring succeeded")
	}
	in := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if n := r.PushBatch(in); n != 8 {
		t.Fatalf("PushBatch %d", n)
	}
	out := make([]int, 5)
	if n := r.PopBatch(out); n != 5 || out[4] != 5 {
		t.Fatalf("PopBatch %d %v", n, out)
	}
	r.Close()
	if r.TryPush(1) {
		t.Fatal("push after Close succeeded")
	}
	for i := 6; i <= 8; i++ {
		if v, ok := r.Pop(); !ok || v != i {
			t.Fatalf("drain: %d %v", v, ok)
		}
	}
	if _, ok := r.Pop(); ok {
		t.Fatal("Pop after drain succeeded")
	}
}

func TestPopZeroesSlot(t *testing.T) {
	r := New[*int](2)
	x := 1
	r.TryPush(&x)
	r.TryPop()
	if r.buf[0] != nil {
		t.Fatal("popped slot still holds a pointer")
	}
}

// TestConcurrentOrder moves millions of items (fewer under -race) through
// small rings with single and batch operations and checks their order.
func TestConcurrentOrder(t *testing.T) {
	n := 4_000_000
	if raceEnabled {
		n = 1_000_000
	}
	if testing.Short() {
		n /= 10
	}
	for _, batch := range []bool{false, true} {
		r := New[uint64](256)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if batch {
				buf := make([]uint64, 37)
				next := uint64(0)
				var b Backoff
				for next < uint64(n) {
					k := len(buf)
					if rem := uint64(n) - next; rem < uint64(k) {
						k = int(rem)
					}
					for i := 0; i < k; i++ {
						buf[i] = next + uint64(i)
					}
					done := 0
					for done < k {
						m := r.PushBatch(buf[done:k])
						if m == 0 {
							b.Wait()
							continue
						}
						b.Reset()
						done += m
					}
					next += uint64(k)
				}
			} else {
				for i := 0; i < n; i++ {
					if !r.Push(uint64(i)) {
						t.Error("push failed")
						return
					}
				}
			}
			r.Close()
		}()
		want := uint64(0)
		if batch {
			out := make([]uint64, 50)
			for {
				m := r.PopBatchWait(out)
				if m == 0 {
					break
				}
				for _, v := range out[:m] {
					if v != want {
						t.Fatalf("batch: got %d, want %d", v, want)
					}
					want++
				}
			}
		} else {
			for {
				v, ok := r.Pop()
				if !ok {
					break
				}
				if v != want {
					t.Fatalf("got %d, want %d", v, want)
				}
				want++
			}
		}
		wg.Wait()
		if want != uint64(n) {
			t.Fatalf("batch=%v: received %d of %d", batch, want, n)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	type frame struct {
		addr uint64
		len  uint32
	}
	r := New[frame](64)
	buf := make([]frame, 16)
	allocs := testing.AllocsPerRun(1000, func() {
		r.TryPush(frame{1, 2})
		r.TryPop()
		r.PushBatch(buf)
		r.PopBatch(buf)
		r.Push(frame{3, 4})
		r.Pop()
		_ = r.Len()
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per round, want 0", allocs)
	}
}

func BenchmarkSPSC(b *testing.B) {
	b.Run("pingpong-single", func(b *testing.B) {
		r := New[uint64](1024)
		b.ReportAllocs()
		done := make(chan struct{})
		go func() {
			for {
				if _, ok := r.Pop(); !ok {
					close(done)
					return
				}
			}
		}()
		for i := 0; i < b.N; i++ {
			r.Push(uint64(i))
		}
		r.Close()
		<-done
	})
	b.Run("batch32", func(b *testing.B) {
		r := New[uint64](1024)
		b.ReportAllocs()
		done := make(chan struct{})
		go func() {
			out := make([]uint64, 32)
			for r.PopBatchWait(out) > 0 {
			}
			close(done)
		}()
		in := make([]uint64, 32)
		var bo Backoff
		for i := 0; i < b.N; i += 32 {
			for k := 0; k < 32; {
				m := r.PushBatch(in[k:])
				if m == 0 {
					bo.Wait()
				} else {
					bo.Reset()
				}
				k += m
			}
		}
		r.Close()
		<-done
	})
}
