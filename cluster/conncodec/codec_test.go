package conncodec

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"xsensor/analyzer/communityid"
	"xsensor/analyzer/conn"
	"xsensor/analyzer/uid"
	"xsensor/analyzer/zeeklog"
)

// roundTrip encodes records and, when the encoder takes them, checks
// that the decoder gives them back byte for byte. It reports whether
// the batch was encoded.
func roundTrip(t testing.TB, e *Encoder, d *Decoder, records []byte) bool {
	t.Helper()
	enc, ok := e.Encode(nil, records)
	if !ok {
		if len(enc) != 0 {
			t.Fatalf("Encode refused the batch but returned %d bytes", len(enc))
		}
		return false
	}
	dec, n, err := d.Decode([]byte("prefix"), enc)
	if err != nil {
		t.Fatalf("decode: %v\nrecords: %q", err, records)
	}
	if !bytes.HasPrefix(dec, []byte("prefix")) || !bytes.Equal(dec[6:], records) {
		t.Fatalf("round trip differs:\n got %q\nwant %q", dec[6:], records)
	}
	if want := bytes.Count(records, []byte{'\n'}); n != want {
		t.Fatalf("decoded %d records, want %d", n, want)
	}
	return true
}

// synthConn returns n conn.log records written by zeeklog.AppendConn, as
// a worker writes them: v4 and v6, TCP, UDP, ICMP, unset fields, tunnel
// parents, community_id present, absent and wrong.
func synthConn(n int, seed uint64) []byte {
	return synthConnGen(n, seed, uid.NewGenerator(seed))
}

// synthConnGen is synthConn with the uids of g.
func synthConnGen(n int, seed uint64, g *uid.Generator) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b9))
	e := zeeklog.NewEncoder(&zeeklog.Conn, zeeklog.TSV)
	var b, cid []byte
	ts := int64(1704067200) * 1e9
	addr := func() netip.Addr {
		if r.IntN(4) == 0 {
			var a [16]byte
			a[0], a[1] = 0x20, 0x01
			for i := 8; i < 16; i++ {
				a[i] = byte(r.IntN(256) * r.IntN(2))
			}
			return netip.AddrFrom16(a)
		}
		return netip.AddrFrom4([4]byte{10, byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))})
	}
	for i := 0; i < n; i++ {
		ts += int64(r.IntN(5_000_000)) - 1_000_000
		rec := conn.Record{TS: ts, UID: g.New(), OrigH: addr(), OrigP: uint16(r.IntN(65536)),
			RespP: uint16(r.IntN(1024)), Duration: int64(r.IntN(3)-1) * int64(r.IntN(1e9)),
			OrigBytes: uint64(r.IntN(1e6)), RespBytes: uint64(r.IntN(1e7)), HasBytes: r.IntN(3) > 0,
			ConnState: []string{"S0", "SF", "REJ", "OTH", ""}[r.IntN(5)], History: []byte("ShADadFf")[:r.IntN(9)],
			OrigPkts: uint64(r.IntN(100)), OrigIPBytes: uint64(r.IntN(1e5)), RespPkts: uint64(r.IntN(100)),
			RespIPBytes: uint64(r.IntN(1e5)), Service: []string{"", "dns", "http", "ssl,quic"}[r.IntN(4)]}
		rec.RespH = addr()
		if rec.OrigH.Is4() != rec.RespH.Is4() {
			rec.RespH = rec.OrigH.Next()
		}
		rec.Proto = []uint8{6, 17, 1, 58, 132}[r.IntN(5)]
		if rec.Proto == 1 && !rec.OrigH.Is4() {
			rec.Proto = 58
		}
		rec.IPProto = rec.Proto
		if rec.Proto == 1 || rec.Proto == 58 {
			rec.OrigP, rec.RespP = uint16(r.IntN(256)), uint16(r.IntN(256))
		}
		if r.IntN(10) == 0 {
			rec.NTunnelParents = 1 + r.IntN(2)
			rec.TunnelParents[0], rec.TunnelParents[1] = g.New(), g.New()
		}
		cid = communityid.Append(cid[:0], 0, rec.IPProto, rec.OrigH, rec.RespH, rec.OrigP, rec.RespP)
		switch r.IntN(20) {
		case 0:
			cid = cid[:0]
		case 1:
			cid = communityid.Append(cid[:0], 1, rec.IPProto, rec.OrigH, rec.RespH, rec.OrigP, rec.RespP)
		}
		b = zeeklog.AppendConn(e, b, &rec, cid)
	}
	return b
}

// TestConnCodecKeyed: uids of known generators go as counters (no raw
// uid bytes), those of unknown ones as bytes, and both come back.
func TestConnCodecKeyed(t *testing.T) {
	var e Encoder
	var d Decoder
	g1, g2, g3 := uid.NewGenerator(1), uid.NewGenerator(2), uid.NewGenerator(3)
	e.SetUIDKeys([][16]byte{g1.Key(), g2.Key()})
	for seed := uint64(1); seed <= 10; seed++ {
		recs := append(synthConnGen(50, seed, g1), synthConnGen(50, seed+100, g2)...)
		if !roundTrip(t, &e, &d, recs) {
			t.Fatalf("seed %d: keyed batch not encoded", seed)
		}
		if n := len(e.streams[sUIDBytes]); n != 0 {
			t.Fatalf("seed %d: %d raw uid bytes with every key known", seed, n)
		}
		if len(e.table) != 2 {
			t.Fatalf("seed %d: key table %v, want 2 keys", seed, e.table)
		}
		recs = synthConnGen(30, seed, g3)
		if !roundTrip(t, &e, &d, recs) {
			t.Fatalf("seed %d: batch of unknown uids not encoded", seed)
		}
		if n := len(e.streams[sUIDBytes]); n != 30*12 {
			t.Fatalf("seed %d: %d raw uid bytes, want %d", seed, n, 30*12)
		}
	}
}

func TestConnCodecSynthetic(t *testing.T) {
	var e Encoder
	var d Decoder
	for seed := uint64(1); seed <= 20; seed++ {
		recs := synthConn(1+int(seed)*37, seed)
		if !roundTrip(t, &e, &d, recs) {
			t.Fatalf("seed %d: synthetic conn.log batch not encoded", seed)
		}
	}
}

// zeekConnRecords returns the records of Zeek's own conn.logs in the
// conformance cases, each given a 23rd field: the Community ID computed
// from its fields, or "-" for one in five records.
func zeekConnRecords(t testing.TB) []byte {
	files, _ := filepath.Glob("/work/shared/conformance/cases/*/expected/conn.log")
	var out []byte
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for j, line := range strings.Split(string(data), "\n") {
			if line == "" || line[0] == '#' {
				continue
			}
			fs := strings.Split(line, "\t")
			if len(fs) != 22 {
				continue
			}
			out = append(out, line...)
			out = append(out, '\t')
			cid := zeekCID(fs)
			if cid == nil || (i+j)%5 == 0 {
				cid = []byte("-")
			}
			out = append(out, cid...)
			out = append(out, '\n')
		}
	}
	return out
}

func zeekCID(fs []string) []byte {
	if len(fs) != 22 {
		return nil
	}
	a, err1 := netip.ParseAddr(fs[2])
	b, err2 := netip.ParseAddr(fs[4])
	if err1 != nil || err2 != nil {
		return nil
	}
	sp, _ := parseCount([]byte(fs[3]))
	dp, _ := parseCount([]byte(fs[5]))
	pr, _ := parseCount([]byte(fs[21]))
	return communityid.Append(nil, 0, uint8(pr), a, b, uint16(sp), uint16(dp))
}

func TestConnCodecZeekLogs(t *testing.T) {
	recs := zeekConnRecords(t)
	if len(recs) == 0 {
		t.Skip("no conformance conn.logs in /work/shared/conformance")
	}
	var e Encoder
	var d Decoder
	encoded := 0
	batches := batchesOf(recs, 100)
	for _, b := range batches {
		if roundTrip(t, &e, &d, b) {
			encoded++
		}
	}
	t.Logf("%d of %d batches of Zeek's conn.logs encoded", encoded, len(batches))
	if encoded == 0 {
		t.Fatal("no batch of Zeek's conn.logs encoded")
	}
}

// batchesOf cuts records into batches of per records.
func batchesOf(recs []byte, per int) [][]byte {
	var out [][]byte
	for len(recs) > 0 {
		end, n := 0, 0
		for end < len(recs) && n < per {
			i := bytes.IndexByte(recs[end:], '\n')
			if i < 0 {
				end = len(recs)
				break
			}
			end += i + 1
			n++
		}
		out = append(out, recs[:end])
		recs = recs[end:]
	}
	return out
}

// connLogFiles lists the conn.logs named in XSENSOR_CONN_LOGS
// (comma-separated), e.g. a replayed generator trace and the records of
// Zeek's traces replayed by xsensor.
func connLogFiles(t *testing.T) []string {
	env := os.Getenv("XSENSOR_CONN_LOGS")
	if env == "" {
		t.Skip("set XSENSOR_CONN_LOGS=a/conn.log,b/conn.log to run on replayed logs")
	}
	return strings.Split(env, ",")
}

func readRecords(t *testing.T, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, line := range bytes.SplitAfter(data, []byte{'\n'}) {
		if len(line) > 0 && line[0] != '#' {
			out = append(out, line...)
		}
	}
	return out
}

func TestConnCodecFiles(t *testing.T) {
	for _, f := range connLogFiles(t) {
		var e Encoder
		var d Decoder
		recs := readRecords(t, f)
		raw := 0
		for _, b := range batchesOf(recs, 1000) {
			if !roundTrip(t, &e, &d, b) {
				raw++
			}
		}
		if raw > 0 {
			t.Errorf("%s: %d batches not encoded", f, raw)
		}
	}
}

// TestNoAllocs: once its buffers have grown, the Decoder decodes a
// batch (keyed uids included) without allocating.
func TestNoAllocs(t *testing.T) {
	var e Encoder
	var d Decoder
	g := uid.NewGenerator(5)
	e.SetUIDKeys([][16]byte{g.Key()})
	recs := append(synthConnGen(100, 4, g), synthConn(100, 5)...)
	enc, ok := e.Encode(nil, recs)
	if !ok {
		t.Fatal("batch not encoded")
	}
	out, _, err := d.Decode(nil, enc)
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, func() { out, _, _ = d.Decode(out[:0], enc) }); n != 0 {
		t.Fatalf("Decode: %v allocs per run", n)
	}
}
