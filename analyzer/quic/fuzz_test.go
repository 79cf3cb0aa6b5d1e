package quic

import (
	"path/filepath"
	"testing"

	"xsensor/analyzer/ssl"
)

// FuzzQUIC feeds datagrams to a Session. With mode bit 1 clear, data is
// a raw datagram, sent by the client and again in the direction of mode
// bit 0. With mode bit 1 set, data is the plaintext of Initial packets
// (frames) sealed with the right keys, by the client and then by the
// server, so that the frame parser and CRYPTO reassembly are reached.
// Seeds: the datagrams of Zeek's QUIC traces (when present), synthetic
// Initials and frame sequences.
func FuzzQUIC(f *testing.F) {
	// Synthetic: a client Initial with a CRYPTO frame, v1 and v2.
	dcid := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	for _, v := range []uint32{Version1, Version2} {
		f.Add(sealInitial(f, v, dcid, []byte{9}, true, 0, append(cryptoFrame(0, clientHello()), make([]byte, 20)...)), byte(0))
	}
	ch := clientHello()
	// Frames: CRYPTO halves out of order, ACK with ECN, PING, PADDING,
	// CONNECTION_CLOSE with a reason.
	frames := append(cryptoFrame(40, ch[40:]), 0x03, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0x01, 0, 0)
	frames = append(frames, cryptoFrame(0, ch[:40])...)
	frames = append(frames, 0x1c, 0x0a, 0, 2, 'o', 'k')
	f.Add(frames, byte(2))
	f.Add(cryptoFrame(0, []byte{1, 0xff, 0xff, 0xff}), byte(2))
	files, _ := filepath.Glob(filepath.Join(tracesDir, "quic", "*.pcap*"))
	for _, file := range files {
		dgs := readUDP(file, true)
		for i, d := range dgs {
			if i == 12 {
				break
			}
			dir := byte(0)
			if d.src != dgs[0].src {
				dir = 1
			}
			f.Add(d.payload, dir)
		}
	}
	var tls ssl.Session
	var s Session
	f.Fuzz(func(t *testing.T, data []byte, dir byte) {
		tls.Reset(testID, func(*ssl.Record) {}, nil)
		s.Reset(testID, &tls, func(string, string) {})
		if dir&2 != 0 {
			if len(data) > 1<<14 {
				return
			}
			v := Version1
			if dir&4 != 0 {
				v = Version2
			}
			plain := append(append([]byte(nil), data...), make([]byte, 20)...)
			s.Packet(true, 1, sealInitial(t, v, dcid, []byte{9}, true, 0, plain))
			s.Packet(false, 2, sealInitial(t, v, dcid, []byte{9}, false, 0, plain))
			s.Done(3)
			return
		}
		// The first datagram is the client's; a fuzzed one follows in
		// the direction dir says, then a repeat from the client.
		s.Packet(true, 1, data)
		s.Packet(dir&1 == 0, 2, data)
		if len(data) > 1 {
			s.Packet(true, 3, data[1:])
		}
		s.Done(4)
	})
}
