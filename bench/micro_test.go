package bench

import (
	"strings"
	"testing"
)

func TestParseGoBench(t *testing.T) {
	in := `goos: linux
pkg: xsensor/analyzer/decode
BenchmarkDecode/eth-tcp-2   	15545612	        77.10 ns/op	       0 B/op	       0 allocs/op
pkg: xsensor/analyzer/worker
BenchmarkWorker-2   	       1	1336958174 ns/op	      2200 Mbps	    765375 pkts/s	 12 B/op	 3 allocs/op
PASS`
	got := ParseGoBench(strings.NewReader(in))
	if len(got) != 2 {
		t.Fatalf("got %d results: %+v", len(got), got)
	}
	if got[0].Name != "analyzer/decode.BenchmarkDecode/eth-tcp-2" || got[0].NsPerOp != 77.1 || got[0].AllocsPerOp != 0 {
		t.Errorf("first: %+v", got[0])
	}
	if got[1].AllocsPerOp != 3 || got[1].BytesPerOp != 12 || got[1].Extra != "2200 Mbps, 765375 pkts/s" {
		t.Errorf("second: %+v", got[1])
	}
}
