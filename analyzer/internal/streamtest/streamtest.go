package streamtest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/decode"
	"xsensor/analyzer/uid"
	"xsensor/tools/testenv"
)

// TracesDir and CasesDir are Zeek's traces and conformance cases in
// ../shared ("" when absent).
var (
	TracesDir = sharedPath("zeek-traces")
	CasesDir  = sharedPath("conformance", "cases")
)

func sharedPath(p ...string) string {
	s := testenv.SharedDir()
	if s == "" {
		return ""
	}
	return filepath.Join(append([]string{s}, p...)...)
}

type Frame struct {
	Link    decode.LinkType
	Data    []byte
	TS      int64
	WireLen int
}

func ReadTrace(path string) []Frame {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return nil
		}
	}
	if len(raw) < 24 {
		return nil
	}
	if bytes.Equal(raw[:4], []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		return readPcapng(raw)
	}
	var bo binary.ByteOrder
	nanos := false
	switch m := binary.LittleEndian.Uint32(raw); m {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo, nanos = binary.LittleEndian, m == 0xa1b23c4d
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo, nanos = binary.BigEndian, m == 0x4d3cb2a1
	default:
		return nil
	}
	lt := decode.LinkType(bo.Uint32(raw[20:24]) & 0xffff)
	var frames []Frame
	for b := raw[24:]; len(b) >= 16; {
		sec, frac := int64(bo.Uint32(b[0:4])), int64(bo.Uint32(b[4:8]))
		capLen, wire := int(bo.Uint32(b[8:12])), int(bo.Uint32(b[12:16]))
		if capLen > len(b)-16 || capLen > 1<<20 {
			break
		}
		if !nanos {
			frac *= 1000
		}
		frames = append(frames, Frame{lt, b[16 : 16+capLen], sec*1e9 + frac, wire})
		b = b[16+capLen:]
	}
	return frames
}

func readPcapng(raw []byte) (frames []Frame) {
	var bo binary.ByteOrder = binary.LittleEndian
	var links []decode.LinkType
	for b := raw; len(b) >= 12; {
		typ := bo.Uint32(b[0:4])
		if typ == 0x0a0d0d0a {
			if binary.LittleEndian.Uint32(b[8:12]) == 0x1a2b3c4d {
				bo = binary.LittleEndian
			} else {
				bo = binary.BigEndian
			}
			links = links[:0]
		}
		n := int(bo.Uint32(b[4:8]))
		if n < 12 || n > len(b) {
			break
		}
		body := b[8 : n-4]
		switch typ {
		case 1:
			if len(body) >= 2 {
				links = append(links, decode.LinkType(bo.Uint16(body[0:2])))
			}
		case 6:
			if len(body) >= 20 {
				iface := int(bo.Uint32(body[0:4]))
				ts := int64(bo.Uint32(body[4:8]))<<32 | int64(bo.Uint32(body[8:12]))
				capLen, wire := int(bo.Uint32(body[12:16])), int(bo.Uint32(body[16:20]))
				if iface < len(links) && capLen <= len(body)-20 {
					frames = append(frames, Frame{links[iface], body[20 : 20+capLen], ts * 1000, wire})
				}
			}
		}
		b = b[n:]
	}
	return frames
}

// Feeder is what the replayer drives: a stream analyzer's Session.
type Feeder interface {
	Data(isOrig bool, ts int64, b []byte)
	Gap(isOrig bool, n int)
	EOF(isOrig bool, ts int64)
	Done(ts int64)
}

type flowKey struct {
	a, b   netip.AddrPort
	stream int
}

type segment struct {
	seq  uint32
	data []byte
}

type direction struct {
	started bool
	next    uint32
	isn     uint32
	finSeq  uint32
	fin     bool
	eof     bool
	pending []segment
}

type stream struct {
	id     conn.ID
	f      Feeder
	origAP netip.AddrPort
	dirs   [2]direction // 0: orig
	lastTS int64
	closed bool
}

func seqLT(a, b uint32) bool { return int32(a-b) < 0 }

func (st *stream) segment(isOrig bool, ts int64, seq uint32, flags uint8, data []byte, wireLen int) {
	d := &st.dirs[1]
	if isOrig {
		d = &st.dirs[0]
	}
	if flags&decode.TCPSyn != 0 {
		d.started, d.isn, d.next = true, seq, seq+1
		seq++
	}
	if !d.started {
		if len(data) == 0 && flags&decode.TCPFin == 0 {
			return
		}
		d.started, d.next = true, seq
	}
	if flags&decode.TCPFin != 0 {
		d.fin, d.finSeq = true, seq+uint32(wireLen)
	}
	if wireLen > len(data) && len(data) > 0 {
		// Truncated capture: the missing tail becomes a gap later.
		wireLen = len(data)
	}
	if len(data) > 0 {
		end := seq + uint32(len(data))
		if !seqLT(d.next, end) {
			data = nil
		} else if seqLT(seq, d.next) {
			data = data[d.next-seq:]
			seq = d.next
		}
		if len(data) > 0 {
			if seq == d.next {
				st.f.Data(isOrig, ts, data)
				d.next += uint32(len(data))
				st.flush(isOrig, ts, false)
			} else {
				d.pending = append(d.pending, segment{seq, append([]byte(nil), data...)})
			}
		}
	}
	st.checkEOF(isOrig, ts)
}

func (st *stream) flush(isOrig bool, ts int64, force bool) {
	d := &st.dirs[1]
	if isOrig {
		d = &st.dirs[0]
	}
	for len(d.pending) > 0 {
		sort.Slice(d.pending, func(i, j int) bool { return seqLT(d.pending[i].seq, d.pending[j].seq) })
		progressed := false
		for i := 0; i < len(d.pending); i++ {
			sg := d.pending[i]
			end := sg.seq + uint32(len(sg.data))
			if !seqLT(d.next, end) {
				d.pending = append(d.pending[:i], d.pending[i+1:]...)
				progressed = true
				break
			}
			if !seqLT(d.next, sg.seq) {
				st.f.Data(isOrig, ts, sg.data[d.next-sg.seq:])
				d.next = end
				d.pending = append(d.pending[:i], d.pending[i+1:]...)
				progressed = true
				break
			}
		}
		if progressed {
			continue
		}
		if !force {
			return
		}
		sg := d.pending[0]
		st.f.Gap(isOrig, int(sg.seq-d.next))
		d.next = sg.seq
	}
}

func (st *stream) checkEOF(isOrig bool, ts int64) {
	d := &st.dirs[1]
	if isOrig {
		d = &st.dirs[0]
	}
	if d.fin && !d.eof && len(d.pending) == 0 && !seqLT(d.next, d.finSeq) {
		d.eof = true
		st.f.EOF(isOrig, ts)
	}
}

func (st *stream) finish() {
	if st.closed {
		return
	}
	st.closed = true
	for i, isOrig := range []bool{true, false} {
		st.flush(isOrig, st.lastTS, true)
		d := &st.dirs[i]
		if d.fin && !d.eof && seqLT(d.next, d.finSeq) && d.finSeq-d.next < 1<<20 {
			st.f.Gap(isOrig, int(d.finSeq-d.next))
			d.next = d.finSeq
		}
		st.checkEOF(isOrig, st.lastTS)
	}
	st.f.Done(st.lastTS)
}

// replay feeds every TCP connection of a capture to a Feeder from open.
func Replay(path string, ignoreChecksums bool, open func(id conn.ID) Feeder) {
	frames := ReadTrace(path)
	opts := decode.DefaultOptions()
	opts.IgnoreChecksums = ignoreChecksums
	dec := decode.New(opts)
	var p decode.Packet
	streams := map[flowKey]*stream{}
	gen := map[[2]netip.AddrPort]int{}
	var order []*stream
	n := uint64(0)
	for _, fr := range frames {
		dec.Decode(&p, fr.Link, fr.Data, fr.TS, fr.WireLen)
		if p.N == 0 {
			continue
		}
		lv := &p.Levels[p.N-1]
		if lv.Proto != 6 || lv.Malformed || lv.TransportTruncated || lv.BadChecksum || lv.BadIPChecksum {
			continue
		}
		src := netip.AddrPortFrom(lv.Src, lv.SrcPort)
		dst := netip.AddrPortFrom(lv.Dst, lv.DstPort)
		pair := [2]netip.AddrPort{src, dst}
		if src.Compare(dst) > 0 {
			pair = [2]netip.AddrPort{dst, src}
		}
		k := flowKey{pair[0], pair[1], gen[pair]}
		st := streams[k]
		syn := lv.TCPFlags&(decode.TCPSyn|decode.TCPAck) == decode.TCPSyn
		if st != nil && syn && st.origAP == src && st.dirs[0].started && st.dirs[0].isn != lv.Seq &&
			(st.dirs[0].fin || st.dirs[1].fin || lv.TCPFlags&decode.TCPRst != 0) {
			st.finish()
			gen[pair]++
			k.stream = gen[pair]
			st = nil
		}
		if st == nil {
			o, r := src, dst
			if lv.TCPFlags&(decode.TCPSyn|decode.TCPAck) == decode.TCPSyn|decode.TCPAck {
				o, r = dst, src
			}
			n++
			id := conn.ID{UID: uid.UID{Hi: n, Lo: n}, OrigH: o.Addr(), OrigP: o.Port(), RespH: r.Addr(), RespP: r.Port(), Proto: 6}
			st = &stream{id: id, origAP: o, f: open(id)}
			streams[k] = st
			order = append(order, st)
		}
		st.lastTS = fr.TS
		st.segment(src == st.origAP, fr.TS, lv.Seq, lv.TCPFlags, lv.Payload, lv.PayloadLen)
	}
	for _, st := range order {
		st.finish()
	}
}

// ZeekLog is a parsed expected log: TSV with #fields, or zeek-cut output
// whose first non-comment line names the columns.
type ZeekLog struct {
	Fields []string
	Recs   []map[string]string
}

func ReadZeekLog(path string) (*ZeekLog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	l := &ZeekLog{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#fields\t") {
			l.Fields = strings.Split(line, "\t")[1:]
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		if l.Fields == nil {
			l.Fields = strings.Split(line, "\t")
			continue
		}
		vals := strings.Split(line, "\t")
		r := map[string]string{}
		for i, fl := range l.Fields {
			if i < len(vals) {
				r[fl] = vals[i]
			}
		}
		l.Recs = append(l.Recs, r)
	}
	return l, sc.Err()
}

type CaseInfo struct {
	Dir             string
	Trace           string
	IgnoreChecksums bool
}

// CasesWith lists the conformance cases that have an expected log.
func CasesWith(log string) []CaseInfo {
	dirs, _ := filepath.Glob(filepath.Join(CasesDir, "*", "expected", log))
	var out []CaseInfo
	for _, p := range dirs {
		dir := filepath.Dir(filepath.Dir(p))
		var meta struct {
			Trace           string `json:"trace"`
			IgnoreChecksums bool   `json:"ignore_checksums"`
		}
		if b, err := os.ReadFile(filepath.Join(dir, "case.json")); err == nil {
			_ = json.Unmarshal(b, &meta)
		}
		if meta.Trace == "" {
			meta.Trace = "trace.pcap"
		}
		out = append(out, CaseInfo{dir, filepath.Join(dir, meta.Trace), meta.IgnoreChecksums})
	}
	return out
}

var TupleFields = []string{"id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"}

// MatchLog compares produced records with expected ones as zeekdiff.py
// does: key fields (those present in the expected log), then the compared
// fields present in it; each expected record takes the best candidate.
// strict is whether the expected log carries the tuple at all.
func MatchLog(exp *ZeekLog, got []map[string]string, keys, cmp []string) (matched int, strict bool, diffs []string) {
	present := map[string]bool{}
	for _, f := range exp.Fields {
		present[f] = true
	}
	strict = present["id.orig_h"]
	var kf, cf []string
	for _, k := range keys {
		if present[k] {
			kf = append(kf, k)
		}
	}
	for _, c := range cmp {
		if present[c] {
			cf = append(cf, c)
		}
	}
	pool := map[string][]map[string]string{}
	keyOf := func(r map[string]string) string {
		var sb strings.Builder
		for _, k := range kf {
			v, ok := r[k]
			if !ok {
				v = "-"
			}
			sb.WriteString(v)
			sb.WriteByte(0)
		}
		return sb.String()
	}
	for _, r := range got {
		k := keyOf(r)
		pool[k] = append(pool[k], r)
	}
	for _, e := range exp.Recs {
		k := keyOf(e)
		cands := pool[k]
		if len(cands) == 0 {
			diffs = append(diffs, "missing "+strings.ReplaceAll(k, "\x00", " "))
			continue
		}
		best, bestBad := -1, []string(nil)
		for i, a := range cands {
			var bad []string
			for _, c := range cf {
				if e[c] != a[c] {
					bad = append(bad, c+": want "+e[c]+" got "+a[c])
				}
			}
			if best < 0 || len(bad) < len(bestBad) {
				best, bestBad = i, bad
			}
		}
		pool[k] = append(cands[:best], cands[best+1:]...)
		if len(bestBad) == 0 {
			matched++
		} else {
			diffs = append(diffs, strings.ReplaceAll(k, "\x00", " ")+": "+strings.Join(bestBad, "; "))
		}
	}
	return matched, strict, diffs
}

// collector gathers the first bytes of each direction of each stream.
type collector struct {
	orig, resp []byte
	out        *[][2][]byte
}

// seedCap bounds each seed direction.
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

// TraceSeeds returns the stream starts of the conformance traces whose
// case names contain sub (none when the data is missing).
func TraceSeeds(sub string, max int) [][2][]byte {
	var out [][2][]byte
	dirs, _ := filepath.Glob(filepath.Join(CasesDir, "*"+sub+"*"))
	for _, d := range dirs {
		Replay(filepath.Join(d, "trace.pcap"), true, func(conn.ID) Feeder { return &collector{out: &out} })
		if len(out) >= max {
			break
		}
	}
	return out
}

// TraceFiles returns the capture-sized files of Zeek's trace collection
// (at most two folders deep, up to 8 MiB). It skips the test when the
// collection is missing, or fails it where CI requires the data.
func TraceFiles(t testing.TB) []string {
	t.Helper()
	testenv.RequireData(t, "Zeek trace collection", TracesDir)
	files, _ := filepath.Glob(filepath.Join(TracesDir, "*", "*"))
	top, _ := filepath.Glob(filepath.Join(TracesDir, "*"))
	var out []string
	for _, f := range append(files, top...) {
		if st, err := os.Stat(f); err == nil && !st.IsDir() && st.Size() <= 8<<20 {
			out = append(out, f)
		}
	}
	return out
}
