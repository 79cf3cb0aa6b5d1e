package bench

import (
	"testing"

	"xsensor/capture/live"
	"xsensor/tools/testenv"
)

// BenchmarkLiveSweep prints the live path's loss against offered rate for
// AF_XDP, AF_PACKET and the XDP_DROP ceiling on one veth, side by side.
// It is a measurement: run it with
//
//	go test -run '^$' -bench LiveSweep -benchtime 1x ./bench
func BenchmarkLiveSweep(b *testing.B) {
	testenv.RequirePrivileged(b)
	o := SweepOptions{Rates: []float64{50_000, 100_000, 200_000, 0}, Packets: 200_000, Workers: 2, Mix: "small"}
	for b.Loop() {
		for _, m := range []live.Mode{live.ModeXDP, live.ModeAFPacket} {
			pts, err := Sweep(m, o)
			if err != nil {
				b.Fatal(err)
			}
			for _, p := range pts {
				b.Log(p)
			}
		}
		pts, err := DropCeiling(o)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range pts {
			b.Log(p)
		}
	}
}
