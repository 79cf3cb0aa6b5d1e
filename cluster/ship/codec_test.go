package ship

import (
	"bytes"
	"fmt"
	"testing"
	"xsensor/cluster/config"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/conncodec"
	"xsensor/cluster/wire"
)

// TestEncodeConnBatch: a conn.log TSV batch goes columnar and decodes
// back to its records; other paths and formats are left as they are.
// (The codec itself is tested in cluster/conncodec.)
func TestEncodeConnBatch(t *testing.T) {
	var recs []byte
	for i := 0; i < 50; i++ {
		recs = fmt.Appendf(recs, "1704067200.%06d\tC%d\t10.0.0.%d\t%d\t10.0.1.1\t53\tudp\tdns\t0.000100\t40\t80\tSF\t-\t-\t0\tDd\t1\t68\t1\t108\t-\t17\t-\n",
			i*1000, 1000+i, i%250, 40000+i)
	}
	m := wire.Message{Path: []byte("conn"), Format: uint8(zeeklog.TSV), Body: recs}
	cb := encodeConnBatch(&m, nil)
	if cb == nil {
		t.Fatal("conn.log batch not encoded")
	}
	if m.Format != uint8(zeeklog.TSV)|conncodec.FormatColumns {
		t.Fatalf("format %#x", m.Format)
	}
	var d conncodec.Decoder
	out, n, err := d.Decode(nil, m.Body)
	if err != nil || n != 50 || !bytes.Equal(out, recs) {
		t.Fatalf("decode: %d records, %v", n, err)
	}
	releaseConnBatch(cb)

	for _, m := range []wire.Message{
		{Path: []byte("dns"), Format: uint8(zeeklog.TSV), Body: recs},
		{Path: []byte("conn"), Format: uint8(zeeklog.JSON), Body: recs},
	} {
		if cb := encodeConnBatch(&m, nil); cb != nil || m.Format&conncodec.FormatColumns != 0 || !bytes.Equal(m.Body, recs) {
			t.Fatalf("%s format %d: batch changed", m.Path, m.Format)
		}
	}
}

// TestMaxBatch: a chunk larger than a quarter of the send buffer is cut
// at record boundaries, never mid-record.
func TestMaxBatch(t *testing.T) {
	s := &Shipper{o: Options{Cluster: &config.Cluster{Options: config.Options{SendBufferBytes: 1 << 20}}}}
	if got := s.maxBatch(); got != 256<<10 {
		t.Fatalf("maxBatch = %d with a 1 MiB send buffer, want 256 KiB", got)
	}
	s.o.Cluster.Options.SendBufferBytes = 0
	if got := s.maxBatch(); got != 4<<20 {
		t.Fatalf("maxBatch = %d with the default send buffer, want 4 MiB", got)
	}
}
