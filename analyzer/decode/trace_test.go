package decode

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const (
	tracesDir = "../../../shared/zeek-traces"
	casesDir  = "../../../shared/conformance/cases"
)

type rawFrame struct {
	link    LinkType
	data    []byte
	ts      int64
	wireLen int
}

// readTrace reads a pcap or pcapng file (optionally gzipped) with a
// minimal reader of its own (gopacket's pcapgo needs golang.org/x/net,
// which is not in go.mod; and analyzer code must not import capture/).
// It reports ok=false for files that are not captures; a damaged tail
// ends the frames silently.
func readTrace(path string) (lt LinkType, frames []rawFrame, ok bool, err error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return 0, nil, false, nil
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return 0, nil, false, nil
		}
	}
	if len(raw) < 24 {
		return 0, nil, false, nil
	}
	if bytes.Equal(raw[:4], []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		frames = readPcapng(raw)
		if len(frames) > 0 {
			lt = frames[0].link
		}
		return lt, frames, true, nil
	}
	var bo binary.ByteOrder
	nanos := false
	switch m := binary.LittleEndian.Uint32(raw); m {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo, nanos = binary.LittleEndian, m == 0xa1b23c4d
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo, nanos = binary.BigEndian, m == 0x4d3cb2a1
	default:
		return 0, nil, false, nil
	}
	lt = LinkType(bo.Uint32(raw[20:24]) & 0xffff)
	for b := raw[24:]; len(b) >= 16; {
		sec, frac := int64(bo.Uint32(b[0:4])), int64(bo.Uint32(b[4:8]))
		capLen, wire := int(bo.Uint32(b[8:12])), int(bo.Uint32(b[12:16]))
		if capLen > len(b)-16 || capLen > 1<<20 {
			break
		}
		if !nanos {
			frac *= 1000
		}
		frames = append(frames, rawFrame{lt, b[16 : 16+capLen], sec*1e9 + frac, wire})
		b = b[16+capLen:]
	}
	return lt, frames, true, nil
}

// readPcapng reads enhanced and simple packet blocks, with the link type
// of their interface (microsecond timestamps assumed).
func readPcapng(raw []byte) (frames []rawFrame) {
	var bo binary.ByteOrder = binary.LittleEndian
	var links []LinkType
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
		case 1: // interface description
			if len(body) >= 2 {
				links = append(links, LinkType(bo.Uint16(body[0:2])))
			}
		case 6: // enhanced packet
			if len(body) >= 20 {
				iface := int(bo.Uint32(body[0:4]))
				ts := int64(bo.Uint32(body[4:8]))<<32 | int64(bo.Uint32(body[8:12]))
				capLen, wire := int(bo.Uint32(body[12:16])), int(bo.Uint32(body[16:20]))
				if iface < len(links) && capLen <= len(body)-20 {
					frames = append(frames, rawFrame{links[iface], body[20 : 20+capLen], ts * 1000, wire})
				}
			}
		case 3: // simple packet
			if len(body) >= 4 && len(links) > 0 {
				wire := int(bo.Uint32(body[0:4]))
				frames = append(frames, rawFrame{links[0], body[4:min(len(body), 4+wire)], 0, wire})
			}
		}
		b = b[n:]
	}
	return frames
}

func traceFiles(t testing.TB) []string {
	files := traceFilesOrNil()
	if files == nil {
		t.Skipf("traces not available in %s", tracesDir)
	}
	return files
}

// traceFilesOrNil lists every file under the traces directory, or nil.
func traceFilesOrNil() []string {
	if _, err := os.Stat(tracesDir); err != nil {
		return nil
	}
	var files []string
	_ = filepath.WalkDir(tracesDir, func(path string, de os.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	return files
}

// TestTraces decodes every capture of Zeek's test suite: no panic, and a
// summary of what was found.
func TestTraces(t *testing.T) {
	files := traceFiles(t)
	d := New(DefaultOptions())
	var p Packet
	var nFiles, nFrames int
	levels := map[int]int{}
	encaps := map[Encap]int{}
	var all []rawFrame
	for _, f := range files {
		_, frames, ok, err := readTrace(f)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		nFiles++
		all = append(all, frames...)
		for _, fr := range frames {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%s: panic on frame of %d bytes: %v", f, len(fr.data), r)
					}
				}()
				d.Decode(&p, fr.link, fr.data, fr.ts, fr.wireLen)
			}()
			nFrames++
			levels[p.N]++
			for i := 1; i < p.N; i++ {
				encaps[p.Levels[i].Encap]++
			}
		}
	}
	s := d.Stats()
	t.Logf("%d captures, %d frames; levels per frame %v; tunnels %v", nFiles, nFrames, levels, encaps)
	t.Logf("stats: nonIP=%d truncated=%d weird=%d badIPsum=%d badsum=%d frags=%d reassembled=%d held=%d tunnelled=%d",
		s.NonIP, s.Truncated, s.Weird, s.BadIPChecksum, s.BadChecksum, s.Fragments, s.Reassembled, s.FragHeld, s.Tunnelled)
	var names []string
	for n, c := range s.Weirds {
		if c > 0 {
			names = append(names, fmt.Sprintf("%s=%d", n, c))
		}
	}
	sort.Strings(names)
	t.Logf("weirds: %s", strings.Join(names, " "))
	if nFiles < 100 {
		t.Errorf("only %d captures read", nFiles)
	}
	// Steady state over the whole suite: a second pass allocates next to
	// nothing (only reassembly buffers released after oversized datagrams
	// are regrown).
	allocs := testing.AllocsPerRun(1, func() {
		for _, fr := range all {
			d.Decode(&p, fr.link, fr.data, fr.ts, fr.wireLen)
		}
	})
	t.Logf("second pass over %d frames: %v allocations", len(all), allocs)
	if allocs > 64 {
		t.Errorf("second pass allocated %v times", allocs)
	}
}

type caseInfo struct {
	Trace           string `json:"trace"`
	ZeekCommand     string `json:"zeek_command"`
	IgnoreChecksums bool   `json:"ignore_checksums"`
}

// readZeekLog returns the rows of a Zeek ASCII log as maps by field name.
func readZeekLog(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var fields []string
	var rows []map[string]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#fields") {
			fields = strings.Split(line, "\t")[1:]
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if fields == nil {
			// btest-diff-cut output: a bare header line.
			fields = strings.Split(line, "\t")
			continue
		}
		vals := strings.Split(line, "\t")
		row := map[string]string{}
		for i, f := range fields {
			if i < len(vals) {
				row[f] = vals[i]
			}
		}
		rows = append(rows, row)
	}
	return rows, sc.Err()
}

var maxDepthRE = regexp.MustCompile(`Tunnel::max_depth=(\d+)`)

// decodeCase decodes a conformance case's trace as Zeek was run on it and
// returns the flow tuples of every level (both directions) and the
// weird names counted.
func decodeCase(t *testing.T, name string) (tuples map[string]bool, weirds map[string]uint64) {
	dir := filepath.Join(casesDir, name)
	raw, err := os.ReadFile(filepath.Join(dir, "case.json"))
	if err != nil {
		t.Skipf("case %s not available: %v", name, err)
	}
	var ci caseInfo
	if err := json.Unmarshal(raw, &ci); err != nil {
		t.Fatalf("case %s: %v", name, err)
	}
	opts := DefaultOptions()
	opts.IgnoreChecksums = ci.IgnoreChecksums || strings.Contains(ci.ZeekCommand, " -C")
	if m := maxDepthRE.FindStringSubmatch(ci.ZeekCommand); m != nil {
		opts.MaxTunnelDepth, _ = strconv.Atoi(m[1])
	}
	_, frames, ok, err := readTrace(filepath.Join(dir, ci.Trace))
	if err != nil || !ok {
		t.Fatalf("case %s: trace unreadable: %v", name, err)
	}
	d := New(opts)
	var p Packet
	tuples = map[string]bool{}
	for _, fr := range frames {
		d.Decode(&p, fr.link, fr.data, fr.ts, fr.wireLen)
		for i := range p.N {
			l := &p.Levels[i]
			if l.BadIPChecksum {
				continue
			}
			switch l.Proto {
			case protoTCP, protoUDP:
				tuples[tupleKey(l.Src.String(), l.SrcPort, l.Dst.String(), l.DstPort, l.Proto)] = true
				tuples[tupleKey(l.Dst.String(), l.DstPort, l.Src.String(), l.SrcPort, l.Proto)] = true
			default:
				tuples[tupleKey(l.Src.String(), 0, l.Dst.String(), 0, l.Proto)] = true
				tuples[tupleKey(l.Dst.String(), 0, l.Src.String(), 0, l.Proto)] = true
			}
		}
	}
	return tuples, d.Stats().Weirds
}

func tupleKey(a string, ap uint16, b string, bp uint16, proto uint8) string {
	return fmt.Sprintf("%s:%d>%s:%d/%d", a, ap, b, bp, proto)
}

var protoNums = map[string]uint8{"tcp": protoTCP, "udp": protoUDP, "icmp": protoICMP}

// TestConformanceTuples checks that every connection of Zeek's conn.log
// for the link-layer and tunnel cases is among the decoded levels.
func TestConformanceTuples(t *testing.T) {
	if _, err := os.Stat(casesDir); err != nil {
		t.Skipf("conformance cases not available: %v", err)
	}
	cases := []string{
		"core.cisco-fabric-path", "core.pppoe", "core.ppp", "core.radiotap", "core.wlanmon",
		"core.nflog", "core.vntag-in-vlan", "core.erspanI", "core.erspanIII",
		"scripts.policy.protocols.conn.vlan-logging", "core.udp-corrupt",
	}
	pattern := "core.tunnels.*"
	if os.Getenv("XSENSOR_ALL_CASES") != "" {
		pattern, cases = "*", nil
	}
	all, _ := filepath.Glob(filepath.Join(casesDir, pattern))
	for _, c := range all {
		cases = append(cases, filepath.Base(c))
	}
	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			rows, err := readZeekLog(filepath.Join(casesDir, name, "expected", "conn.log"))
			if os.IsNotExist(err) {
				t.Skip("no conn.log")
			}
			if err != nil {
				t.Fatal(err)
			}
			tuples, _ := decodeCase(t, name)
			missing := 0
			for _, r := range rows {
				if r["id.orig_h"] == "" {
					continue // a log cut down to other fields
				}
				proto, known := protoNums[r["proto"]]
				if !known {
					n, _ := strconv.Atoi(r["ip_proto"])
					proto = uint8(n)
				}
				op, _ := strconv.Atoi(r["id.orig_p"])
				rp, _ := strconv.Atoi(r["id.resp_p"])
				oh, rh := r["id.orig_h"], r["id.resp_h"]
				if proto == protoICMP && strings.Contains(oh, ":") {
					proto = protoICMPv6
				}
				if proto == protoICMP || proto == protoICMPv6 {
					op, rp = 0, 0
				}
				if !tuples[tupleKey(oh, uint16(op), rh, uint16(rp), proto)] {
					missing++
					t.Errorf("missing %s %s:%d -> %s:%d", r["proto"], oh, op, rh, rp)
				}
			}
			t.Logf("%d connections, %d missing, %d decoded tuples", len(rows), missing, len(tuples)/2)
		})
	}
}

// TestConformanceWeirds checks the weird names of cases whose only log is
// weird.log produced by the packet decoder.
func TestConformanceWeirds(t *testing.T) {
	for _, name := range []string{"core.tunnels.gre-in-gre-min-depth", "core.nflog-bad-tlv-len"} {
		t.Run(name, func(t *testing.T) {
			rows, err := readZeekLog(filepath.Join(casesDir, name, "expected", "weird.log"))
			if err != nil {
				t.Skip(err)
			}
			_, weirds := decodeCase(t, name)
			for _, r := range rows {
				if weirds[r["name"]] == 0 {
					t.Errorf("weird %q not produced", r["name"])
				}
			}
		})
	}
}
