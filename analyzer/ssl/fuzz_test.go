package ssl

import (
	"path/filepath"
	"testing"
	"xsensor/analyzer/internal/streamtest"

	"xsensor/analyzer/conn"
)

// collector gathers the first bytes of each direction of each stream.
type collector struct {
	orig, resp []byte
	out        *[][2][]byte
}

const seedCap = 1 << 10

func (c *collector) Data(isOrig bool, ts int64, b []byte) {
	p := &c.resp
	if isOrig {
		p = &c.orig
	}
	if room := seedCap - len(*p); room > 0 {
		if len(b) > room {
			b = b[:room]
		}
		*p = append(*p, b...)
	}
}
func (c *collector) Gap(bool, int)   {}
func (c *collector) EOF(bool, int64) {}
func (c *collector) Done(ts int64)   { *c.out = append(*c.out, [2][]byte{c.orig, c.resp}) }

// traceSeeds returns the stream starts of the conformance traces whose
// case names contain sub (none when the data is missing).
func traceSeeds(sub string, max int) [][2][]byte {
	var out [][2][]byte
	dirs, _ := filepath.Glob(filepath.Join(streamtest.CasesDir, "*"+sub+"*"))
	for _, d := range dirs {
		streamtest.Replay(filepath.Join(d, "trace.pcap"), true, func(conn.ID) streamtest.Feeder { return &collector{out: &out} })
		if len(out) >= max {
			break
		}
	}
	return out
}

func feedChunks(s *Session, orig, resp []byte, chunk int) {
	ts := int64(1e18)
	for len(orig) > 0 || len(resp) > 0 {
		n := min(chunk, len(orig))
		if n > 0 {
			s.Data(true, ts, orig[:n])
			orig = orig[n:]
		}
		n = min(chunk, len(resp))
		if n > 0 {
			s.Data(false, ts, resp[:n])
			resp = resp[n:]
		}
		ts += 1000
	}
}

// FuzzSSL feeds arbitrary client and server streams in chunks; it must
// never panic. Seeds: the TLS streams of Zeek's traces (skipped when they
// are missing) and the handshake of TestNoAllocs.
func FuzzSSL(f *testing.F) {
	f.Add(clientHello13, serverFlight13, uint8(4))
	f.Add(clientHello13[:20], serverFlight12, uint8(0))
	f.Add([]byte{0x80, 0x2e, 0x01, 0x03, 0x01, 0, 0x15, 0, 0, 0, 0x10}, []byte{0x15, 3, 3, 0, 2, 2, 40}, uint8(2))
	for _, s := range traceSeeds("ssl", 20) {
		f.Add(s[0], s[1], uint8(200))
	}
	for _, s := range traceSeeds("starttls", 10) {
		f.Add(s[0], s[1], uint8(100))
	}
	var s Session
	f.Fuzz(func(t *testing.T, orig, resp []byte, chunk uint8) {
		s.Reset(conn.ID{}, func(r *Record) {}, func(string, string) {})
		feedChunks(&s, orig, resp, int(chunk)+1)
		s.EOF(true, 2e18)
		s.Done(2e18)
	})
}
