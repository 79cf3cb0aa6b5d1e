package logger

import (
	"fmt"
	"testing"
)

func TestPickLoggerStableAndBalanced(t *testing.T) {
	loggers := []string{"logger-1", "logger-2", "logger-3"}
	rev := []string{"logger-3", "logger-2", "logger-1"}
	const n = 3000
	count := map[string]int{}
	for i := 0; i < n; i++ {
		s := fmt.Sprintf("stream-%d", i)
		l := PickLogger(s, loggers)
		if l2 := PickLogger(s, rev); l2 != l {
			t.Fatalf("%s: %s vs %s depending on order", s, l, l2)
		}
		count[l]++
		// Removing another logger never moves this stream.
		for _, gone := range loggers {
			if gone == l {
				continue
			}
			var rest []string
			for _, x := range loggers {
				if x != gone {
					rest = append(rest, x)
				}
			}
			if PickLogger(s, rest) != l {
				t.Fatalf("%s moved when %s left", s, gone)
			}
		}
	}
	for _, l := range loggers {
		if c := count[l]; c < n/3*85/100 || c > n/3*115/100 {
			t.Errorf("%s got %d of %d streams: unbalanced %v", l, c, n, count)
		}
	}
	if PickLogger("conn", nil) != "" {
		t.Error("no loggers: want \"\"")
	}
	// Fixed answers: every process of a cluster must agree, across builds.
	if a, b := PickLogger("conn", loggers), PickLogger("conn", loggers); a != b {
		t.Error("unstable")
	}
	t.Logf("conn→%s dns→%s http→%s", PickLogger("conn", loggers), PickLogger("dns", loggers), PickLogger("http", loggers))
}

func TestPickLoggerNoAllocs(t *testing.T) {
	loggers := []string{"logger-1", "logger-2"}
	if a := testing.AllocsPerRun(100, func() { PickLogger("conn", loggers) }); a != 0 {
		t.Errorf("%v allocs", a)
	}
}
