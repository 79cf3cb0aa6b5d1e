package ship

import (
	"sync"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/conncodec"
	"xsensor/cluster/wire"
)

// connBatch is a pooled encoder and its output buffer.
type connBatch struct {
	e   conncodec.Encoder
	out []byte
}

var connBatches = sync.Pool{New: func() any { return new(connBatch) }}

// encodeConnBatch replaces the Body of a conn.log TSV batch by its
// columnar form (cluster/conncodec) and sets conncodec.FormatColumns,
// when that is smaller. The returned buffer holds the Body until
// releaseConnBatch (call it once the Sender has copied the message);
// nil when m is left as it is.
func encodeConnBatch(m *wire.Message, keys [][16]byte) *connBatch {
	if string(m.Path) != "conn" || zeeklog.Format(m.Format) != zeeklog.TSV {
		return nil
	}
	cb := connBatches.Get().(*connBatch)
	cb.e.SetUIDKeys(keys)
	out, ok := cb.e.Encode(cb.out[:0], m.Body)
	if !ok {
		connBatches.Put(cb)
		return nil
	}
	cb.out = out
	m.Body = out
	m.Format |= conncodec.FormatColumns
	return cb
}

func releaseConnBatch(cb *connBatch) {
	if cb != nil {
		connBatches.Put(cb)
	}
}
