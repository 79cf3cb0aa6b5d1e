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
