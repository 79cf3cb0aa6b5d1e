package decode

import (
	"testing"
)

// FuzzDecode decodes arbitrary bytes as a frame of an arbitrary link type:
// it must never panic, and the levels it reports must be consistent.
//
// Seeds: hand-built frames for every tunnel and link layer the unit tests
// build, plus the first frames of each capture in Zeek's test suite
// (read at test time, skipped when the traces are absent).
func FuzzDecode(f *testing.F) {
	for _, bf := range benchFrames(f) {
		for _, fr := range bf.frame {
			f.Add(uint16(bf.lt), fr)
		}
	}
	if files := traceFilesOrNil(); files != nil {
		for _, path := range files {
			_, frames, ok, err := readTrace(path)
			if err != nil || !ok {
				continue
			}
			// A few frames per capture keep the corpus small but cover
			// every link type and tunnel of the suite.
			for i, fr := range frames {
				if i == 3 {
					break
				}
				f.Add(uint16(fr.link), fr.data)
			}
		}
	}
	d := New(DefaultOptions())
	var p Packet
	f.Fuzz(func(t *testing.T, lt uint16, data []byte) {
		d.Decode(&p, LinkType(lt), data, 0, len(data))
		if p.N < 0 || p.N > MaxLevels {
			t.Fatalf("N=%d", p.N)
		}
		for i := range p.N {
			l := &p.Levels[i]
			if l.IPVersion != 4 && l.IPVersion != 6 {
				t.Fatalf("level %d version %d", i, l.IPVersion)
			}
			if len(l.Payload) > l.PayloadLen && l.Proto != protoUDP {
				t.Fatalf("level %d payload %d > stated %d", i, len(l.Payload), l.PayloadLen)
			}
		}
		// Truncated to a shorter capture of the same wire frame.
		if len(data) > 1 {
			d.Decode(&p, LinkType(lt), data[:len(data)/2], 0, len(data))
		}
	})
}
