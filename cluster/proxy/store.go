package proxy

// store is a proxy's copy of the shared sets: an append-only log of
// entries (an entry is appended when it is new here, or when it becomes
// decided) and an index from (set, key) to its latest copy. Log indices
// are what workers sync by. Not safe for concurrent use (the Proxy's
// mutex guards it).
type store struct {
	log []Entry
	idx map[string]int
}

func newStore() *store { return &store{idx: map[string]int{}} }

// get returns the latest copy of e's (set, key).
func (s *store) get(e *Entry) (*Entry, bool) {
	i, ok := s.idx[e.id()]
	if !ok {
		return nil, false
	}
	return &s.log[i], true
}

func (s *store) add(e Entry) {
	s.log = append(s.log, e)
	s.idx[e.id()] = len(s.log) - 1
}

// latest calls f for the latest copy of every member, in log order.
func (s *store) latest(f func(e *Entry)) {
	for i := range s.log {
		e := &s.log[i]
		if s.idx[e.id()] == i {
			f(e)
		}
	}
}

func (s *store) members() int { return len(s.idx) }
