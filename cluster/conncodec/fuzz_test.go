package conncodec

import (
	"bytes"
	"testing"

	"xsensor/analyzer/uid"
)

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
	var e Encoder
	e.SetUIDKeys([][16]byte{g.Key(), uid.NewGenerator(8).Key()})
	var d Decoder
	f.Fuzz(func(t *testing.T, recs []byte) {
		roundTrip(t, &e, &d, recs)
	})
}

// FuzzConnDecode: any body either decodes or is refused; it never
// panics. (FuzzConnCodec checks encode → decode.)
func FuzzConnDecode(f *testing.F) {
	// Seeds: an empty batch, a one-record batch with every field unset
	// (23 main streams of one byte, the extra streams empty), bad version.
	// Header: version, flags, uid keys, records.
	empty := []byte{Version, 0, 0, 0}
	for i := 0; i < nStreams; i++ {
		empty = append(empty, 0)
	}
	f.Add(empty)
	one := []byte{Version, 0, 0, 1}
	for i := 0; i < nStreams; i++ {
		if i < nConnFields {
			one = append(one, 1)
		} else {
			one = append(one, 0)
		}
	}
	for i := 0; i < nConnFields; i++ {
		switch connKinds[i] {
		case kUID, kCID:
			one = append(one, tagRaw) // followed by no length: malformed on purpose
		default:
			one = append(one, 0)
		}
	}
	f.Add(one)
	f.Add([]byte{9, 1, 2, 3})
	var d Decoder
	f.Fuzz(func(t *testing.T, body []byte) {
		out, n, err := d.Decode(nil, body)
		if err != nil && (len(out) != 0 || n != 0) {
			t.Fatalf("error with output: %v", err)
		}
		if err == nil && bytes.Count(out, []byte{'\n'}) < n {
			t.Fatalf("%d records claimed, %q", n, out)
		}
	})
}
