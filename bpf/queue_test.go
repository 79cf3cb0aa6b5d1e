//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package bpf

import (
	"fmt"
	"os/exec"
	"testing"

	"github.com/cilium/ebpf"

	"xsensor/analyzer/flowhash"
)

// xdpMd is struct xdp_md, the test-run context.
type xdpMd struct {
	Data, DataEnd, DataMeta, IngressIfindex, RxQueueIndex, EgressIfindex uint32
}

// TestQueueSlot checks slot = rx_queue*workersPerQueue + hash%workersPerQueue
// for frames "received" on queue 3 of a 4-queue veth.
func TestQueueSlot(t *testing.T) {
	ns := newVethNS(t)
	if out, err := exec.Command("ip", "-n", ns, "link", "add", "mq0", "numrxqueues", "4", "numtxqueues", "4",
		"type", "veth", "peer", "name", "mq1", "numrxqueues", "4", "numtxqueues", "4").CombinedOutput(); err != nil {
		t.Fatalf("multi-queue veth: %v: %s", err, out)
	}
	const wpq, queue = 3, 3
	p := loadTest(t, Options{WorkersPerQueue: wpq, Queues: 4})
	frames := goldenFrames(3, 200)
	err := inNetNS(ns, func() error {
		ifindex, err := ifindexOf("mq0")
		if err != nil {
			return err
		}
		for i, fr := range frames {
			ctx := xdpMd{DataEnd: uint32(len(fr)), IngressIfindex: uint32(ifindex), RxQueueIndex: queue}
			if _, err := p.objs.XsensorXdp.Run(&ebpf.RunOptions{Data: fr, Context: ctx}); err != nil {
				return fmt.Errorf("frame %d: test run on queue %d: %w", i, queue, err)
			}
			d, err := p.lastVerdict()
			if err != nil {
				return err
			}
			h := flowhash.Of(flowhash.LinkEthernet, fr, flowhash.ModeFiveTuple).Hash
			if want := uint32(queue*wpq) + h%wpq; d.Slot != want || d.Hash != h {
				return fmt.Errorf("frame %d: slot %d hash %#x, want slot %d hash %#x", i, d.Slot, d.Hash, want, h)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
