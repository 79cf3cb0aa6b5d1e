package main

import (
	"path/filepath"
	"testing"
	"time"

	"xsensor/tools/trafficgen"
)

// BenchmarkReplay replays the generated IMIX mix (1,000,000 packets,
// 100,000 flows) with one and two workers and reports throughput per
// worker core, measured on the time workers spend processing batches.
// Run it with: go test -run '^$' -bench Replay -benchtime 1x ./tools/xsensor
func BenchmarkReplay(b *testing.B) {
	dir := b.TempDir()
	pcap := filepath.Join(dir, "imix.pcap")
	o := trafficgen.DefaultOptions()
	o.Mix, o.Flows, o.Packets = "imix", 100_000, 1_000_000
	if _, err := trafficgen.WritePcap(pcap, o); err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		b.Run(map[int]string{1: "w1", 2: "w2"}[workers], func(b *testing.B) {
			var pkts, bytes uint64
			var busy time.Duration
			for b.Loop() {
				sum, _, err := replayFile(replayConfig{file: pcap, dir: b.TempDir(), workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				pkts += sum.Packets
				bytes += sum.Bytes
				for _, d := range sum.WorkerBusy {
					busy += d
				}
			}
			b.ReportMetric(float64(pkts)/busy.Seconds(), "pkts/s/core")
			b.ReportMetric(float64(bytes)*8/1e6/busy.Seconds(), "Mbps/core")
		})
	}
}
