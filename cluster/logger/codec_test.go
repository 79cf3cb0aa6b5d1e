package logger

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"xsensor/cluster/wire"
)

// FuzzConnDecode: any body either decodes or is refused; it never
// panics. (cluster/ship's FuzzConnCodec checks encode → decode.)
func FuzzConnDecode(f *testing.F) {
	// Seeds: an empty batch, a one-record batch with every field unset
	// (23 main streams of one byte, the extra streams empty), bad version.
	// Header: version, flags, uid keys, records.
	empty := []byte{connColumnsVersion, 0, 0, 0}
	for i := 0; i < nStreams; i++ {
		empty = append(empty, 0)
	}
	f.Add(empty)
	one := []byte{connColumnsVersion, 0, 0, 1}
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
	var d ConnDecoder
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

// TestWriteConnColumnsDrop: a columnar batch that does not decode is
// dropped and counted, not written and not returned as an error.
func TestWriteConnColumnsDrop(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(Options{Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := wire.Message{Type: wire.TypeLogBatch, Format: FormatConnColumns, Count: 3,
		Stream: []byte("conn"), Path: []byte("conn"), Body: []byte{connColumnsVersion, 3, 1, 2}}
	if err := w.WriteBatch(&m); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st.Dropped != 1 || st.DroppedRecords != 3 || st.Records != 0 {
		t.Fatalf("stats %+v", st)
	}
	w.Close()
	if _, err := os.Stat(filepath.Join(dir, "conn.log")); err == nil {
		t.Fatal("conn.log written for an undecodable batch")
	}
}
