package logger

// PickLogger returns the logger that receives stream among loggers, by
// rendezvous (highest random weight) hashing: each (stream, logger) pair
// gets a score and the highest wins. Every node computes the same answer
// from the same node.cfg, a stream always goes to one logger, and adding
// or removing a logger moves only the streams that logger wins or held.
// It returns "" when loggers is empty. Safe for concurrent use; does not
// allocate.
func PickLogger(stream string, loggers []string) string {
	best, bestScore := "", uint64(0)
	for _, l := range loggers {
		s := score(stream, l)
		if best == "" || s > bestScore || s == bestScore && l < best {
			best, bestScore = l, s
		}
	}
	return best
}

// score is FNV-1a over stream, a separator and logger, finished with a
// 64-bit mixer (splitmix64) so that similar names spread well.
func score(stream, logger string) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for i := 0; i < len(stream); i++ {
		h = (h ^ uint64(stream[i])) * prime
	}
	h = (h ^ 0xff) * prime
	for i := 0; i < len(logger); i++ {
		h = (h ^ uint64(logger[i])) * prime
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
