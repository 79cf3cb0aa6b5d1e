package logger

import (
	"os"
	"path/filepath"
	"testing"

	"xsensor/cluster/conncodec"
	"xsensor/cluster/wire"
)

// TestWriteConnColumnsDrop: a columnar batch that does not decode is
// dropped and counted, not written and not returned as an error.
func TestWriteConnColumnsDrop(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(Options{Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := wire.Message{Type: wire.TypeLogBatch, Format: conncodec.FormatColumns, Count: 3,
		Stream: []byte("conn"), Path: []byte("conn"), Body: []byte{conncodec.Version, 3, 1, 2}}
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
