package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"xsensor/bpf"
	"xsensor/capture/live"
	"xsensor/tools/testenv"
	"xsensor/tools/topology"
	"xsensor/tools/trafficgen"
)

// udpFrames returns Ethernet/IPv4/UDP frames carrying payload from src to
// dst, fragmented into pieces of at most mtu bytes of IP payload when it
// does not fit (checksums correct).
func udpFrames(src, dst [4]byte, sport, dport uint16, id uint16, payload []byte, mtu int) [][]byte {
	udp := make([]byte, 8+len(payload))
	binary.BigEndian.PutUint16(udp[0:], sport)
	binary.BigEndian.PutUint16(udp[2:], dport)
	binary.BigEndian.PutUint16(udp[4:], uint16(len(udp)))
	copy(udp[8:], payload)
	pseudo := make([]byte, 0, 12+len(udp))
	pseudo = append(pseudo, src[:]...)
	pseudo = append(pseudo, dst[:]...)
	pseudo = append(pseudo, 0, 17, byte(len(udp)>>8), byte(len(udp)))
	pseudo = append(pseudo, udp...)
	binary.BigEndian.PutUint16(udp[6:], trafficgen.Checksum(pseudo))
	var out [][]byte
	for off := 0; off < len(udp); off += mtu {
		end := min(off+mtu, len(udp))
		f := make([]byte, 14+20+end-off)
		copy(f[0:6], []byte{2, 0, 0, 0, 0, 2})
		copy(f[6:12], []byte{2, 0, 0, 0, 0, 1})
		binary.BigEndian.PutUint16(f[12:], 0x0800)
		ip := f[14:34]
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(20+end-off))
		binary.BigEndian.PutUint16(ip[4:], id)
		frag := uint16(off / 8)
		if end < len(udp) {
			frag |= 0x2000 // MF
		}
		binary.BigEndian.PutUint16(ip[6:], frag)
		ip[8], ip[9] = 64, 17
		copy(ip[12:], src[:])
		copy(ip[16:], dst[:])
		binary.BigEndian.PutUint16(ip[10:], trafficgen.Checksum(ip))
		copy(f[34:], udp[off:end])
		out = append(out, f)
	}
	return out
}

// writeFrames writes frames to a nanosecond pcap, 1 ms apart.
func writeFrames(t *testing.T, path string, frames [][]byte) {
	t.Helper()
	b := make([]byte, 24)
	binary.LittleEndian.PutUint32(b[0:], 0xa1b23c4d)
	binary.LittleEndian.PutUint16(b[4:], 2)
	binary.LittleEndian.PutUint16(b[6:], 4)
	binary.LittleEndian.PutUint32(b[16:], 65535)
	binary.LittleEndian.PutUint32(b[20:], 1)
	ts := int64(1_700_000_000) * 1e9
	for _, f := range frames {
		var r [16]byte
		binary.LittleEndian.PutUint32(r[0:], uint32(ts/1e9))
		binary.LittleEndian.PutUint32(r[4:], uint32(ts%1e9))
		binary.LittleEndian.PutUint32(r[8:], uint32(len(f)))
		binary.LittleEndian.PutUint32(r[12:], uint32(len(f)))
		b = append(append(b, r[:]...), f...)
		ts += 1e6
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLiveFragments: flows whose replies are IPv4-fragmented. The XDP
// program keys fragments without ports, so a fragmented datagram may
// arrive at another worker than the rest of its flow; that worker must
// hand the reassembled datagram to the flow's owner. conn.log must equal
// replay's (which reassembles before hashing): no flow split.
func TestLiveFragments(t *testing.T) {
	testenv.RequirePrivileged(t)
	var frames [][]byte
	big := make([]byte, 3000)
	for i := range big {
		big[i] = byte(i)
	}
	for i := 0; i < 64; i++ {
		cli, srv := [4]byte{10, 1, 0, byte(i + 1)}, [4]byte{10, 2, 0, byte(i%4 + 1)}
		sport, dport := uint16(40000+i), uint16(7000+i%3)
		frames = append(frames, udpFrames(cli, srv, sport, dport, uint16(2*i), []byte("request"), 1480)...)
		frames = append(frames, udpFrames(srv, cli, dport, sport, uint16(2*i+1), big, 1480)...)
		frames = append(frames, udpFrames(cli, srv, sport, dport, uint16(2*i+200), []byte("thanks"), 1480)...)
	}
	pcap := filepath.Join(t.TempDir(), "frag.pcap")
	writeFrames(t, pcap, frames)
	want := connTuples(t, replayDir(t, pcap))

	top, err := topology.New(topology.Options{Prefix: "fr", Quiet: true, MTU: 1600})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { top.Close() })
	out := t.TempDir()
	capt, stop := startSensor(t, runConfig{iface: top.Sensor, dir: out, workers: 2, mode: live.ModeXDP, xdpMode: bpf.AttachDriver})
	s := peerSender(t, top, 5000)
	for _, f := range frames {
		if err := s.Send(f); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		st, _ := capt.Stats()
		if st.XDPSeen >= uint64(len(frames)) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	got := connTuples(t, out)
	if !slices.Equal(got, want) {
		t.Errorf("live conn.log (%d records) differs from replay (%d records): a fragmented flow was split", len(got), len(want))
		for _, g := range got {
			if !slices.Contains(want, g) {
				t.Logf("live only:   %s", g)
			}
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Logf("replay only: %s", w)
			}
		}
	}
}
