//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package bpf

import (
	"encoding/binary"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"xsensor/analyzer/flowhash"
)

// zeekTraces is where Zeek's test traces are read from (never copied).
const zeekTraces = "/work/shared/zeek-traces"

// maxRunFrame is the largest frame BPF_PROG_TEST_RUN takes for XDP
// without fragments (a page minus headroom and skb_shared_info).
const maxRunFrame = 3000

// pcapEthernetFrames returns up to max Ethernet frames of a classic pcap
// file (not pcapng, not compressed), or nil when it is something else.
func pcapEthernetFrames(path string, max int) [][]byte {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 24 {
		return nil
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return nil
	}
	if bo.Uint32(b[20:])&0x0fffffff != flowhash.LinkEthernet {
		return nil
	}
	var out [][]byte
	for off := 24; off+16 <= len(b) && len(out) < max; {
		n := int(bo.Uint32(b[off+8:]))
		off += 16
		if n < 0 || off+n > len(b) {
			break
		}
		if n >= 14 && n <= maxRunFrame {
			out = append(out, b[off:off+n])
		}
		off += n
	}
	return out
}

// zeekFrames walks the trace directory; perFile bounds the frames taken
// from each file.
func zeekFrames(tb testing.TB, perFile int) (frames [][]byte, files int) {
	tb.Helper()
	if _, err := os.Stat(zeekTraces); err != nil {
		return nil, 0
	}
	filepath.WalkDir(zeekTraces, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".pcap") {
			return nil
		}
		if fr := pcapEthernetFrames(path, perFile); len(fr) > 0 {
			frames = append(frames, fr...)
			files++
		}
		return nil
	})
	return frames, files
}

// TestZeekTraces runs the Ethernet frames of Zeek's test traces (VLAN,
// QinQ, MPLS, PPPoE, IPv6 extension headers, fragments, malformed
// packets) through the program and compares with flowhash.
func TestZeekTraces(t *testing.T) {
	requirePrivileged(t)
	frames, files := zeekFrames(t, 300)
	if len(frames) == 0 {
		t.Skipf("no traces under %s", zeekTraces)
	}
	for _, mode := range []flowhash.Mode{flowhash.ModeFiveTuple, flowhash.ModeIPPair} {
		p := loadTest(t, Options{WorkersPerQueue: 5, HashMode: mode})
		bad := 0
		for i, fr := range frames {
			want := flowhash.Of(flowhash.LinkEthernet, fr, mode)
			_, d := runFrame(t, p, fr)
			if d.Hash != want.Hash || d.Slot != want.Hash%5 {
				bad++
				if bad <= 5 {
					t.Errorf("%v frame %d: kernel %#x slot %d, flowhash %#x\n%s", mode, i, d.Hash, d.Slot, want.Hash, hex.Dump(fr[:min(len(fr), 128)]))
				}
			}
		}
		if bad > 0 {
			t.Errorf("%v: %d of %d frames differ", mode, bad, len(frames))
		}
	}
	t.Logf("%d frames from %d traces agree in both modes", len(frames), files)
}

// FuzzKernelHash is a differential fuzz target: the XDP program and
// analyzer/flowhash must agree on every frame. Privileged.
func FuzzKernelHash(f *testing.F) {
	requirePrivileged(f)
	// Seeds: the golden generator's frames (every encapsulation, both
	// directions, truncations), the fixed malformed frames, and the first
	// frames of each Zeek trace when the traces are there.
	for i, fr := range goldenFrames(7, 200) {
		if i%4 == 0 {
			f.Add(fr, uint8(0))
		}
	}
	for _, fr := range oddFrames() {
		f.Add(fr, uint8(1))
	}
	traces, _ := zeekFrames(f, 3)
	for _, fr := range traces {
		f.Add(fr, uint8(0))
	}
	p5 := loadTest(f, Options{WorkersPerQueue: 3})
	p2 := loadTest(f, Options{WorkersPerQueue: 3, HashMode: flowhash.ModeIPPair})
	f.Fuzz(func(t *testing.T, fr []byte, mode uint8) {
		if len(fr) < 14 || len(fr) > maxRunFrame {
			return
		}
		p, m := p5, flowhash.ModeFiveTuple
		if mode&1 != 0 {
			p, m = p2, flowhash.ModeIPPair
		}
		want := flowhash.Of(flowhash.LinkEthernet, fr, m)
		_, d := runFrame(t, p, fr)
		if d.Hash != want.Hash || d.Slot != want.Hash%3 {
			t.Fatalf("%v: kernel %#x slot %d, flowhash %#x\n%s", m, d.Hash, d.Slot, want.Hash, hex.Dump(fr))
		}
	})
}
