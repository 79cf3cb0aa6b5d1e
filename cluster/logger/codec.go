package logger

import (
	"sync"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/conncodec"
	"xsensor/cluster/wire"
)

var connDecoders = sync.Pool{New: func() any { return new(connDecoderBuf) }}

// connDecoderBuf is a pooled decoder and its output buffer.
type connDecoderBuf struct {
	d   conncodec.Decoder
	out []byte
}

// writeConnColumns decodes a columnar batch (cluster/conncodec) and
// writes its records; a batch that does not decode is dropped and
// counted like any batch that cannot be written as it is.
func (w *Writer) writeConnColumns(path []byte, m *wire.Message) error {
	db := connDecoders.Get().(*connDecoderBuf)
	defer connDecoders.Put(db)
	out, n, err := db.d.Decode(db.out[:0], m.Body)
	if err != nil || uint32(n) != m.Count || zeeklog.Format(m.Format&^conncodec.FormatColumns) != zeeklog.TSV {
		w.mu.Lock()
		w.drop(path, int(m.Count), "conn.log columnar batch does not decode")
		w.mu.Unlock()
		return nil
	}
	db.out = out
	return w.Write(path, zeeklog.TSV, out, n)
}
