package conncodec

// counterModel predicts the counter of a uid sent by key in a columnar
// conn.log batch (one model per key of the batch, the same on both
// ends). A worker takes a uid's counter when the connection starts, at
// its ts, so the counters of one key ascend with ts; records are
// written when connections end, in another order. The prediction is the
// counter of the batch's record of that key with the greatest ts at or
// before this record's, plus one (or the smallest counter seen minus
// one, when this ts is before every ts seen; or the last counter plus
// one for a record without a usable ts). The counter is sent as the
// zigzag difference from it.
type counterModel struct {
	last uint64      // the last counter of the key in the batch
	byTS []tsCounter // sorted by ts, then counter
}

type tsCounter struct {
	ts int64
	c  uint64
}

func (m *counterModel) reset() { m.last, m.byTS = 0, m.byTS[:0] }

// after returns the index of the first entry after (ts, c).
func (m *counterModel) after(ts int64, c uint64) int {
	lo, hi := 0, len(m.byTS)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if e := m.byTS[h]; e.ts < ts || e.ts == ts && e.c <= c {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

func (m *counterModel) predict(ts int64, haveTS bool) uint64 {
	if !haveTS || len(m.byTS) == 0 {
		return m.last + 1
	}
	i := m.after(ts, ^uint64(0))
	if i == 0 {
		return m.byTS[0].c - 1
	}
	return m.byTS[i-1].c + 1
}

func (m *counterModel) add(ts int64, haveTS bool, c uint64) {
	m.last = c
	if !haveTS {
		return
	}
	i := m.after(ts, c)
	m.byTS = append(m.byTS, tsCounter{})
	copy(m.byTS[i+1:], m.byTS[i:])
	m.byTS[i] = tsCounter{ts, c}
}
