package zeeklog

import (
	"bufio"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/uid"
)

const casesDir = "/work/shared/conformance/cases"

// baselineConnLines returns the records of every Zeek conn.log baseline
// whose columns are exactly Zeek's default conn.log, with their file name.
func baselineConnLines(t *testing.T) (lines [][]string, files []string) {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(casesDir, "*", "expected", "conn.log"))
	if len(paths) == 0 {
		t.Skipf("no conformance baselines under %s", casesDir)
	}
	var want []string
	for _, f := range Conn.Fields[:22] {
		want = append(want, f.Name)
	}
	wantFields := "#fields\t" + strings.Join(want, "\t")
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		ok := false
		for sc.Scan() {
			l := sc.Text()
			if strings.HasPrefix(l, "#") {
				if strings.HasPrefix(l, "#fields") {
					ok = l == wantFields
				}
				continue
			}
			if ok && l != "" {
				lines = append(lines, strings.Split(l, "\t"))
				files = append(files, p)
			}
		}
		f.Close()
	}
	return lines, files
}

func parseMicros(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || len(frac) != 6 {
		t.Fatalf("bad interval %q", s)
	}
	return (w*1e6 + f) * 1000
}

func parseCount(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("bad count %q", s)
	}
	return v
}

// recordFromBaseline rebuilds the conn.Record that a Zeek conn.log line
// describes (ts and uids are masked in baselines and are not compared).
func recordFromBaseline(t *testing.T, f []string) conn.Record {
	t.Helper()
	r := conn.Record{
		TS:       1300475167096535000,
		UID:      uid.UID{Hi: 1, Lo: 2},
		OrigH:    netip.MustParseAddr(f[2]),
		OrigP:    uint16(parseCount(t, f[3])),
		RespH:    netip.MustParseAddr(f[4]),
		RespP:    uint16(parseCount(t, f[5])),
		Duration: -1,
	}
	r.IPProto = uint8(parseCount(t, f[21]))
	r.Proto = r.IPProto
	if f[7] != "-" {
		r.Service = string(AppendUnescaped(nil, []byte(f[7])))
	}
	if f[8] != "-" {
		r.Duration = parseMicros(t, f[8])
	}
	if f[9] != "-" {
		r.HasBytes = true
		r.OrigBytes = parseCount(t, f[9])
		r.RespBytes = parseCount(t, f[10])
	}
	if f[11] != "-" {
		r.ConnState = f[11]
	}
	r.MissedBytes = parseCount(t, f[14])
	if f[15] != "-" {
		r.History = AppendUnescaped(nil, []byte(f[15]))
	}
	r.OrigPkts = parseCount(t, f[16])
	r.OrigIPBytes = parseCount(t, f[17])
	r.RespPkts = parseCount(t, f[18])
	r.RespIPBytes = parseCount(t, f[19])
	if f[20] != "-" {
		r.NTunnelParents = len(strings.Split(f[20], ","))
		for i := 0; i < r.NTunnelParents; i++ {
			r.TunnelParents[i] = uid.UID{Hi: 3, Lo: uint64(i + 4)}
		}
	}
	return r
}

// TestConnTSVMatchesZeekBaselines re-encodes every conn.log line of Zeek's
// baselines and compares it byte for byte, masking ts and uids.
func TestConnTSVMatchesZeekBaselines(t *testing.T) {
	lines, files := baselineConnLines(t)
	e := NewEncoder(&Conn, TSV)
	var buf []byte
	n := 0
	for i, f := range lines {
		r := recordFromBaseline(t, f)
		site := defaultSite
		if f[12] == "-" {
			site = nil
		}
		buf = AppendConnSite(e, buf[:0], &r, nil, site)
		got := strings.Split(strings.TrimSuffix(string(buf), "\n"), "\t")
		if len(got) != len(Conn.Fields) || got[22] != "-" {
			t.Fatalf("%s: got %d fields: %q", files[i], len(got), buf)
		}
		got = got[:22]
		if got[0] != "1300475167.096535" {
			t.Errorf("ts = %q", got[0])
		}
		got[0], got[1] = f[0], f[1]
		if f[20] != "-" {
			got[20] = f[20]
		}
		if g, w := strings.Join(got, "\t"), strings.Join(f, "\t"); g != w {
			t.Errorf("%s:\n got %s\nwant %s", files[i], g, w)
			continue
		}
		n++
	}
	t.Logf("%d baseline conn.log records re-encoded identically", n)
}

func testRecord() conn.Record {
	r := conn.Record{
		TS:          1300475167096535000,
		UID:         uid.UID{Hi: 0x1234, Lo: 0x9abcdef012345678},
		OrigH:       netip.MustParseAddr("66.59.111.190"),
		OrigP:       40264,
		RespH:       netip.MustParseAddr("172.28.2.3"),
		RespP:       22,
		Proto:       6,
		Service:     "ssh",
		Duration:    3157831000,
		HasBytes:    true,
		OrigBytes:   952,
		RespBytes:   1671,
		ConnState:   "SF",
		History:     []byte("ShAdDaFf"),
		OrigPkts:    12,
		OrigIPBytes: 1584,
		RespPkts:    10,
		RespIPBytes: 2199,
		IPProto:     6,
	}
	r.TunnelParents[0] = uid.UID{Hi: 1, Lo: 2}
	r.NTunnelParents = 1
	return r
}

func TestConnTSV(t *testing.T) {
	r := testRecord()
	e := NewEncoder(&Conn, TSV)
	got := string(AppendConn(e, nil, &r, []byte("1:LQU9qZlK+B5F3KDmev6m5PMibrg=")))
	u := r.UID.Append(nil, 'C')
	p := r.TunnelParents[0].Append(nil, 'C')
	want := "1300475167.096535\t" + string(u) + "\t66.59.111.190\t40264\t172.28.2.3\t22\ttcp\tssh\t3.157831\t952\t1671\tSF\tF\tT\t0\tShAdDaFf\t12\t1584\t10\t2199\t" +
		string(p) + "\t6\t1:LQU9qZlK+B5F3KDmev6m5PMibrg=\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}

	// A single-packet ICMPv6 connection: most optional fields unset.
	r = conn.Record{
		TS: 0, OrigH: netip.MustParseAddr("::"), OrigP: 135,
		RespH: netip.MustParseAddr("ff02::1:ff00:3"), RespP: 136, Proto: 58,
		Duration: -1, ConnState: "OTH", OrigPkts: 1, OrigIPBytes: 72, IPProto: 58,
	}
	got = string(AppendConn(e, nil, &r, nil))
	want = "0.000000\tC00\t::\t135\tff02::1:ff00:3\t136\ticmp\t-\t-\t-\t-\tOTH\tT\tF\t0\t-\t1\t72\t0\t0\t-\t58\t-\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestConnJSON(t *testing.T) {
	r := testRecord()
	e := NewEncoder(&Conn, JSON)
	got := string(AppendConn(e, nil, &r, []byte("1:LQU9qZlK+B5F3KDmev6m5PMibrg=")))
	u := r.UID.Append(nil, 'C')
	p := r.TunnelParents[0].Append(nil, 'C')
	// Zeek's duration is the difference of two doubles.
	dur := strconv.FormatFloat(zeekTime(r.TS+r.Duration)-zeekTime(r.TS), 'g', -1, 64)
	want := `{"ts":1300475167.096535,"uid":"` + string(u) + `","id.orig_h":"66.59.111.190","id.orig_p":40264,` +
		`"id.resp_h":"172.28.2.3","id.resp_p":22,"proto":"tcp","service":"ssh","duration":` + dur + `,` +
		`"orig_bytes":952,"resp_bytes":1671,"conn_state":"SF","local_orig":false,"local_resp":true,"missed_bytes":0,` +
		`"history":"ShAdDaFf","orig_pkts":12,"orig_ip_bytes":1584,"resp_pkts":10,"resp_ip_bytes":2199,` +
		`"tunnel_parents":["` + string(p) + `"],"ip_proto":6,"community_id":"1:LQU9qZlK+B5F3KDmev6m5PMibrg="}` + "\n"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if dur == "3.157831" {
		t.Errorf("duration %s: expected Zeek's double-difference digits", dur)
	}

	r = conn.Record{TS: 1e18, OrigH: netip.MustParseAddr("10.0.0.1"), RespH: netip.MustParseAddr("10.0.0.2"),
		Proto: 17, Duration: -1, IPProto: 17}
	got = string(AppendConnSite(e, nil, &r, nil, nil))
	want = `{"ts":1000000000.0,"uid":"C00","id.orig_h":"10.0.0.1","id.orig_p":0,"id.resp_h":"10.0.0.2","id.resp_p":0,` +
		`"proto":"udp","missed_bytes":0,"orig_pkts":0,"orig_ip_bytes":0,"resp_pkts":0,"resp_ip_bytes":0,"ip_proto":17}` + "\n"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestNoAllocs(t *testing.T) {
	r := testRecord()
	cid := []byte("1:LQU9qZlK+B5F3KDmev6m5PMibrg=")
	for _, f := range []Format{TSV, JSON} {
		e := NewEncoder(&Conn, f)
		buf := make([]byte, 0, 4096)
		allocs := testing.AllocsPerRun(200, func() {
			buf = AppendConn(e, buf[:0], &r, cid)
		})
		if allocs != 0 {
			t.Errorf("%v: AppendConn allocates %.1f times per record", f, allocs)
		}
	}
}

func BenchmarkAppendConn(b *testing.B) {
	r := testRecord()
	cid := []byte("1:LQU9qZlK+B5F3KDmev6m5PMibrg=")
	for _, f := range []Format{TSV, JSON} {
		b.Run(f.String(), func(b *testing.B) {
			e := NewEncoder(&Conn, f)
			buf := make([]byte, 0, 4096)
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendConn(e, buf[:0], &r, cid)
			}
		})
	}
}
