package node

import (
	"sync"
	"time"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/manager"
	"xsensor/cluster/wire"
)

// Notice is one Zeek notice (Notice::Info) raised on a worker node: the
// manager's record type, so that what a node raises is what notice.log
// holds.
type Notice = manager.Notice

// noticeEncoder turns notices into the manager's wire notice frames:
// note, identifier and suppression interval in the frame header (the
// manager suppresses duplicates by (note, identifier) across the
// cluster), the notice.log record (manager.NoticeSchema, in the
// cluster's LogFormat) as the body.
//
// Safe for concurrent use (one mutex; notices are rare, never per packet).
type noticeEncoder struct {
	mu  sync.Mutex
	enc *zeeklog.Encoder
	buf []byte
}

func newNoticeEncoder(f zeeklog.Format) *noticeEncoder {
	return &noticeEncoder{enc: zeeklog.NewEncoder(&manager.NoticeSchema, f)}
}

// send encodes n (its SuppressFor defaulting to suppress) and hands the
// frame to snd, which copies it.
func (e *noticeEncoder) send(snd *wire.Sender, n *Notice, suppress time.Duration) error {
	if n.SuppressFor == 0 {
		n.SuppressFor = suppress
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.buf = manager.AppendNotice(e.enc, e.buf[:0], n)
	m := wire.Message{Type: wire.TypeNotice, TS: n.TS, SuppressFor: int64(n.SuppressFor),
		Note: []byte(n.Note), Identifier: []byte(n.Identifier), Body: e.buf}
	return snd.Send(&m)
}
