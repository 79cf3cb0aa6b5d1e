package logger

import (
	"testing"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/wire"
)

// BenchmarkIngest measures the logger's per-core ingest: decode a log
// batch frame (as the wire reader hands it over) and write its records
// (buffered, with an fsync every commit-sized chunk as Sync does). It
// reports records/s; the target is 300,000 per core.
func BenchmarkIngest(b *testing.B) {
	const per = 1000
	body := records("bench", 0, per)
	frame, err := wire.AppendFrame(nil, &wire.Message{Type: wire.TypeLogBatch, Seq: 1, Format: uint8(zeeklog.TSV),
		Count: per, Stream: []byte("conn"), Path: []byte("conn"), Body: body})
	if err != nil {
		b.Fatal(err)
	}
	w, err := Open(utcOpts(b.TempDir(), nil), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	var m wire.Message
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := wire.DecodeFrame(frame, &m); err != nil {
			b.Fatal(err)
		}
		if err := w.WriteBatch(&m); err != nil {
			b.Fatal(err)
		}
		if i%20 == 19 { // a commit every ~20 batches (20k records)
			if _, err := w.Sync(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)*per/b.Elapsed().Seconds(), "records/s")
}
