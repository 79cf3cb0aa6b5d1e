package quic

// A UDP replayer for tests: reads a capture with capture/pcapfile,
// decodes frames with analyzer/decode and drives one Session (and its
// ssl.Session) per UDP 4-tuple, the originator being the first sender.

import (
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/decode"
	"xsensor/analyzer/ssl"
	"xsensor/analyzer/uid"
	"xsensor/capture/pcapfile"
)

const (
	tracesDir = "../../../shared/zeek-traces"
	casesDir  = "../../../shared/conformance/cases"
)

type datagram struct {
	src, dst netip.AddrPort
	ts       int64
	payload  []byte
}

// readUDP returns the UDP datagrams of a capture in order.
func readUDP(path string, ignoreChecksums bool) []datagram {
	r, err := pcapfile.Open(path)
	if err != nil {
		return nil
	}
	defer r.Close()
	opts := decode.DefaultOptions()
	opts.IgnoreChecksums = ignoreChecksums
	dec := decode.New(opts)
	var p decode.Packet
	var out []datagram
	for {
		data, info, err := r.Next()
		if err != nil {
			break
		}
		dec.Decode(&p, decode.LinkType(info.LinkType), data, info.TS, info.WireLen)
		if p.N == 0 {
			continue
		}
		lv := &p.Levels[p.N-1]
		if lv.Proto != 17 || lv.Malformed || lv.TransportTruncated || lv.BadChecksum || lv.BadIPChecksum {
			continue
		}
		out = append(out, datagram{
			src:     netip.AddrPortFrom(lv.Src, lv.SrcPort),
			dst:     netip.AddrPortFrom(lv.Dst, lv.DstPort),
			ts:      info.TS,
			payload: append([]byte(nil), lv.Payload...),
		})
	}
	return out
}

type flow struct {
	id   conn.ID
	orig netip.AddrPort
	q    *Session
	tls  *ssl.Session
	last int64
	// hist holds the quic.log history of each logged c$quic record.
	hist []string
}

// replayQUIC runs Sessions over the UDP flows of a capture that Zeek
// would hand to its QUIC analyzer (signature or registered port) and
// returns the flows after Done.
func replayQUIC(dgs []datagram, emit func(*ssl.Record), weird func(name, addl string)) []*flow {
	flows := map[[2]netip.AddrPort]*flow{}
	var order []*flow
	n := uint64(0)
	for _, d := range dgs {
		k := [2]netip.AddrPort{d.src, d.dst}
		if d.src.Compare(d.dst) > 0 {
			k = [2]netip.AddrPort{d.dst, d.src}
		}
		f, ok := flows[k]
		if !ok {
			if !Detect(true, d.payload) && !Port(d.dst.Port()) && !Port(d.src.Port()) {
				flows[k] = nil
				continue
			}
			n++
			id := conn.ID{UID: uid.UID{Hi: n, Lo: n}, OrigH: d.src.Addr(), OrigP: d.src.Port(),
				RespH: d.dst.Addr(), RespP: d.dst.Port(), Proto: 17}
			f = &flow{id: id, orig: d.src, q: &Session{}, tls: &ssl.Session{}}
			f.tls.Reset(id, emit, weird)
			f.q.Reset(id, f.tls, weird)
			f.q.onLog = func(h []byte) { f.hist = append(f.hist, string(h)) }
			flows[k] = f
			order = append(order, f)
		}
		if f == nil {
			continue
		}
		f.last = d.ts
		f.q.Packet(d.src == f.orig, d.ts, d.payload)
	}
	for _, f := range order {
		f.q.Done(f.last)
	}
	return order
}

type quicCase struct {
	dir, trace      string
	ignoreChecksums bool
}

// quicCases lists the conformance cases of Zeek's QUIC tests.
func quicCases() []quicCase {
	dirs, _ := filepath.Glob(filepath.Join(casesDir, "scripts.base.protocols.quic.*"))
	sort.Strings(dirs)
	var out []quicCase
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, "case.json"))
		if err != nil {
			continue
		}
		c := quicCase{dir: d, ignoreChecksums: strings.Contains(string(raw), `"ignore_checksums": true`)}
		traces, _ := filepath.Glob(filepath.Join(d, "trace.pcap*"))
		if len(traces) == 0 {
			continue
		}
		c.trace = traces[0]
		out = append(out, c)
	}
	return out
}
