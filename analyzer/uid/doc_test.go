package uid

import (
	"strings"
	"testing"
)

func TestAppend(t *testing.T) {
	if got := (UID{Hi: 0, Lo: 61}).String(); got != "C0z" {
		t.Errorf("got %q, want C0z", got)
	}
	g := NewGenerator(1)
	seen := map[UID]bool{}
	for i := 0; i < 10000; i++ {
		u := g.New()
		if seen[u] || u.IsZero() {
			t.Fatalf("duplicate or zero uid %v", u)
		}
		seen[u] = true
		s := u.String()
		if !strings.HasPrefix(s, "C") || len(s) < 10 || len(s) > 19 {
			t.Fatalf("odd uid %q", s)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	g := NewGenerator(2)
	buf := make([]byte, 0, 32)
	if n := testing.AllocsPerRun(1000, func() { buf = g.New().Append(buf[:0], 'C') }); n != 0 {
		t.Errorf("New+Append allocates %v times", n)
	}
}

func TestCipherRoundTrip(t *testing.T) {
	g := NewGenerator(3)
	c := NewCipher(g.Key())
	for i := uint64(0); i < 1000; i++ {
		u := g.New()
		if f := FromKey(g.Key(), i); f != u {
			t.Fatalf("FromKey(%d) = %v, New gave %v", i, f, u)
		}
		n, ok := c.Counter(u)
		if !ok || n != i {
			t.Fatalf("Counter(%v) = %d, %v; want %d", u, n, ok, i)
		}
	}
	for _, n := range []uint64{1 << 40, 1<<64 - 1} {
		if m, ok := c.Counter(c.UID(n)); !ok || m != n {
			t.Fatalf("Counter(UID(%d)) = %d, %v", n, m, ok)
		}
	}
	// A uid of another key is (almost surely) no counter of this one.
	if _, ok := c.Counter(NewGenerator(4).New()); ok {
		t.Fatal("foreign uid decodes to a 64-bit counter")
	}
}

func TestCipherNoAllocs(t *testing.T) {
	c := NewCipher([16]byte{1})
	if n := testing.AllocsPerRun(1000, func() { c.Counter(c.UID(7)) }); n != 0 {
		t.Errorf("UID+Counter allocates %v times", n)
	}
}
