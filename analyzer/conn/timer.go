package conn

// Timers run on a hashed timing wheel: wheelSlots slots of 2^tickShift ns
// (≈ 0.27 s) each, so one turn covers about 18 minutes. A timer lives in
// the slot of its deadline's tick; deadlines further out than one turn
// share slots with nearer ones and are skipped (their exact deadline is
// compared) until their turn comes. Each connection embeds one node per
// timer kind, so arming and cancelling never allocate and cost O(1).

const (
	tickShift  = 28
	wheelSlots = 4096
	wheelMask  = wheelSlots - 1
)

// Timer kinds, one node each per connection. Zeek may hold several timers
// of one kind for a connection (its TCP expire timer re-arms itself and
// ConnectionClosed may add a second chain); we keep two expire nodes and
// fold any further one into the earlier deadline.
const (
	tInactivity = iota
	tExpire1
	tExpire2
	tAttempt
	tReset
	tDelete
	numTimers
)

const (
	listNone = -1 // node not armed
	listDue  = -2 // node detached into the due list
)

type timerNode struct {
	deadline   int64
	prev, next int32 // node ids
	list       int32 // slot, listNone or listDue
}

type wheel struct {
	heads   [wheelSlots]int32
	due     int32 // head of the due list while firing
	tick    int64 // last tick processed
	started bool
	armed   int
}

func (w *wheel) init() {
	for i := range w.heads {
		w.heads[i] = -1
	}
	w.due = -1
}

func (t *Table) node(id int32) *timerNode {
	return &t.conn(id / numTimers).timers[id%numTimers]
}

func (t *Table) listHead(list int32) *int32 {
	if list == listDue {
		return &t.wheel.due
	}
	return &t.wheel.heads[list]
}

func (t *Table) pushNode(id int32, list int32) {
	n := t.node(id)
	h := t.listHead(list)
	n.list = list
	n.prev = -1
	n.next = *h
	if *h >= 0 {
		t.node(*h).prev = id
	}
	*h = id
}

func (t *Table) unlinkNode(id int32) {
	n := t.node(id)
	if n.list == listNone {
		return
	}
	if n.prev >= 0 {
		t.node(n.prev).next = n.next
	} else {
		*t.listHead(n.list) = n.next
	}
	if n.next >= 0 {
		t.node(n.next).prev = n.prev
	}
	n.list, n.prev, n.next = listNone, -1, -1
}

// arm (re)schedules timer kind k of c at deadline.
func (t *Table) arm(c *Conn, k int, deadline int64) {
	id := c.idx*numTimers + int32(k)
	n := &c.timers[k]
	if n.list != listNone {
		t.unlinkNode(id)
	} else {
		t.wheel.armed++
	}
	n.deadline = deadline
	tick := deadline >> tickShift
	if t.wheel.started && tick <= t.wheel.tick {
		// Already due: it fires on the next Advance.
		tick = t.wheel.tick + 1
	}
	t.pushNode(id, int32(tick&wheelMask))
}

func (t *Table) disarm(c *Conn, k int) {
	if c.timers[k].list == listNone {
		return
	}
	t.unlinkNode(c.idx*numTimers + int32(k))
	t.wheel.armed--
}

func (c *Conn) armed(k int) bool { return c.timers[k].list != listNone }

func (t *Table) disarmAll(c *Conn) {
	for k := 0; k < numTimers; k++ {
		t.disarm(c, k)
	}
}

// Advance fires the timers due at or before ts (network time, ns since
// the epoch), as Zeek's timer manager does before it processes a packet
// with that timestamp. Time never goes back: an earlier ts does nothing.
func (t *Table) Advance(ts int64) {
	if ts > t.now {
		t.now = ts
	}
	w := &t.wheel
	cur := t.now >> tickShift
	if !w.started {
		w.started = true
		w.tick = cur - 1
	}
	if cur <= w.tick && w.armed == 0 {
		return
	}
	from := w.tick + 1
	if cur-w.tick > wheelSlots {
		from = cur - wheelSlots + 1
	}
	// Ticks up to and including cur; the current tick's slot may hold
	// timers with deadline > now, which stay.
	for tick := from; tick <= cur; tick++ {
		if w.armed == 0 {
			break
		}
		t.fireSlot(int32(tick & wheelMask))
	}
	w.tick = cur
}

func (t *Table) fireSlot(slot int32) {
	w := &t.wheel
	// Detach due nodes into the due list first: firing may cancel any
	// other node, including ones of this slot.
	for id := w.heads[slot]; id >= 0; {
		n := t.node(id)
		next := n.next
		if n.deadline <= t.now {
			t.unlinkNode(id)
			t.pushNode(id, listDue)
		}
		id = next
	}
	for w.due >= 0 {
		id := w.due
		t.unlinkNode(id)
		w.armed--
		t.stats.TimersFired++
		t.fire(t.conn(id/numTimers), int(id%numTimers))
	}
}
