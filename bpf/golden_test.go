//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package bpf

import (
	"encoding/hex"
	"testing"

	"github.com/cilium/ebpf"

	"xsensor/analyzer/flowhash"
)

// runFrame runs the program once on frame under BPF_PROG_TEST_RUN and
// returns the action and the debug record it wrote.
func runFrame(t testing.TB, p *Program, frame []byte) (uint32, xsensorXsDebug) {
	t.Helper()
	before, err := p.lastVerdict()
	if err != nil {
		t.Fatalf("read debug record: %v", err)
	}
	ret, err := p.objs.XsensorXdp.Run(&ebpf.RunOptions{Data: frame})
	if err != nil {
		t.Fatalf("test run on %d-byte frame: %v", len(frame), err)
	}
	d, err := p.lastVerdict()
	if err != nil {
		t.Fatalf("read debug record: %v", err)
	}
	if d.Seq != before.Seq+1 {
		t.Fatalf("debug record seq %d after %d: the program did not record the frame", d.Seq, before.Seq)
	}
	return ret, d
}

// TestGoldenFrames is the acceptance test of issue 3: for every frame the
// XDP program's hash and slot equal analyzer/flowhash's.
func TestGoldenFrames(t *testing.T) {
	requirePrivileged(t)
	frames := goldenFrames(1, 3000)
	if len(frames) < 1000 {
		t.Fatalf("only %d golden frames", len(frames))
	}
	for _, tc := range []struct {
		name string
		mode flowhash.Mode
		wpq  int
	}{
		{"5-tuple", flowhash.ModeFiveTuple, 7},
		{"ip-pair", flowhash.ModeIPPair, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := loadTest(t, Options{WorkersPerQueue: tc.wpq, Queues: 1, HashMode: tc.mode})
			var ip, frag, bad, distinct int
			seen := map[uint32]bool{}
			for i, fr := range frames {
				want := flowhash.Of(flowhash.LinkEthernet, fr, tc.mode)
				ret, d := runFrame(t, p, fr)
				wantSlot := want.Hash % uint32(tc.wpq)
				if d.Hash != want.Hash || d.Slot != wantSlot ||
					(d.Status&stIP != 0) != (want.L3 >= 0) ||
					(d.Status&stFragment != 0) != want.Fragment {
					t.Errorf("frame %d: kernel hash %#x slot %d status %#x, flowhash hash %#x slot %d L3 %d fragment %v\n%s",
						i, d.Hash, d.Slot, d.Status, want.Hash, wantSlot, want.L3, want.Fragment, hex.Dump(fr))
					if t.Failed() && i > 20 {
						t.FailNow()
					}
				}
				if ret != xdpPass {
					t.Errorf("frame %d: action %d, want XDP_PASS (no sockets registered)", i, ret)
				}
				if want.L3 >= 0 {
					ip++
				} else {
					bad++
				}
				if want.Fragment {
					frag++
				}
				if !seen[want.Hash] {
					seen[want.Hash] = true
					distinct++
				}
			}
			t.Logf("%d frames: %d with an IP key (%d fragments), %d without; %d distinct hashes",
				len(frames), ip, frag, bad, distinct)
			if ip < 1000 || frag == 0 || bad == 0 {
				t.Errorf("frame mix too narrow: %d IP, %d fragments, %d non-IP", ip, frag, bad)
			}
			c, err := p.Counters()
			if err != nil {
				t.Fatal(err)
			}
			if c.Seen != uint64(len(frames)) || c.Passed != c.Seen || c.RedirectFailures != c.Seen {
				t.Errorf("counters %+v after %d frames", c, len(frames))
			}
		})
	}
}
