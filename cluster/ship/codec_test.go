package ship

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"xsensor/analyzer/communityid"
	"xsensor/analyzer/conn"
	"xsensor/analyzer/uid"
	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/config"
	"xsensor/cluster/logger"
	"xsensor/cluster/wire"
)

// roundTrip encodes records and, when the encoder takes them, checks
// that the logger's decoder gives them back byte for byte. It reports
// whether the batch was encoded.
func roundTrip(t testing.TB, e *ConnEncoder, d *logger.ConnDecoder, records []byte) bool {
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
	var e ConnEncoder
	var d logger.ConnDecoder
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
	var e ConnEncoder
	var d logger.ConnDecoder
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
	var e ConnEncoder
	var d logger.ConnDecoder
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
		var e ConnEncoder
		var d logger.ConnDecoder
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

// TestConnCodecWireRatio measures, as bench.Ship does, the bytes a
// Sender writes to TCP for a conn.log in batches of 1000 records, with
// and without the columnar codec, against the raw record bytes.
func TestConnCodecWireRatio(t *testing.T) {
	for _, f := range connLogFiles(t) {
		recs := readRecords(t, f)
		batches := batchesOf(recs, 1000)
		plain := wireBytes(t, batches, false, nil)
		cols := wireBytes(t, batches, true, nil)
		t.Logf("%s: %d records, raw %d B; wire plain %d B (%.2f×), columnar %d B (%.2f×)", f,
			bytes.Count(recs, []byte{'\n'}), len(recs), plain, float64(len(recs))/float64(plain),
			cols, float64(len(recs))/float64(cols))
	}
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// wireBytes ships batches to a Writer-backed wire Server on loopback
// and returns the bytes the Sender wrote to TCP; it checks that the
// logger's file holds exactly the records.
func wireBytes(t *testing.T, batches [][]byte, columns bool, keys [][16]byte) int64 {
	t.Helper()
	secret := []byte("xsensor-bench-secret-0123456789")
	dir := t.TempDir()
	w, err := logger.Open(logger.Options{Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := wire.NewServer(wire.ServerOptions{Name: "logger", Role: config.Logger, Secret: secret,
		Handler: wire.HandlerFunc(func(_ *wire.Peer, m *wire.Message) error { return w.WriteBatch(m) })})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	var onWire atomic.Int64
	snd, err := wire.NewSender(wire.SenderOptions{Addr: l.Addr().String(), Name: "worker-1", Role: config.Worker, Secret: secret,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{c, &onWire}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for _, b := range batches {
		want = append(want, b...)
		m := wire.Message{Type: wire.TypeLogBatch, Stream: []byte("conn"), Path: []byte("conn"),
			Count: uint32(bytes.Count(b, []byte{'\n'})), Body: b}
		var cb *connBatch
		if columns {
			if cb = encodeConnBatch(&m, keys); cb == nil {
				t.Errorf("batch not encoded")
			}
		}
		err := snd.Send(&m)
		releaseConnBatch(cb)
		if err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := snd.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	snd.Close()
	srv.Close()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readRecords(t, filepath.Join(dir, "conn.log"))
	if !bytes.Equal(got, want) {
		t.Fatalf("logger wrote %d record bytes, want %d (identical)", len(got), len(want))
	}
	return onWire.Load()
}

// FuzzConnCodec: any batch either round-trips byte for byte or is left
// to be sent raw; it never comes back different.
func FuzzConnCodec(f *testing.F) {
	// Seeds: worker-written records (v4, v6, ICMP, unset fields, wrong
	// community_id), one Zeek-written batch, and near misses.
	f.Add(synthConn(3, 1))
	f.Add(synthConn(10, 2))
	if z := zeekConnRecords(f); len(z) > 0 {
		f.Add(batchesOf(z, 20)[0])
	}
	f.Add([]byte("1.000000\tC1\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\n"))
	f.Add([]byte("01.000000\tCzzzzzzzzzzzzzzzzz\t::ffff:1.2.3.4\t070\t1.2.3.4%x\t65536\ttcp\t\t-1.0\t\t\t\t\t\t\t\t\t\t\t\t\t256\t1:x\n"))
	g := uid.NewGenerator(7)
	f.Add(synthConnGen(20, 3, g))
	var e ConnEncoder
	e.SetUIDKeys([][16]byte{g.Key(), uid.NewGenerator(8).Key()})
	var d logger.ConnDecoder
	f.Fuzz(func(t *testing.T, recs []byte) {
		roundTrip(t, &e, &d, recs)
	})
}
