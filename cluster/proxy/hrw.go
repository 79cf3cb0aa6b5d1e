package proxy

import "hash/fnv"

// Owner returns the proxy among names that owns key of set by rendezvous
// (highest random weight) hashing, as Zeek's Cluster::publish_hrw picks a
// proxy: every node computes the same owner from the same list, and
// removing one proxy moves only the keys it owned. It returns "" for an
// empty list.
func Owner(set, key string, names []string) string {
	var best string
	var bestW uint64
	for _, n := range names {
		h := fnv.New64a()
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write([]byte(set))
		h.Write([]byte{0})
		h.Write([]byte(key))
		w := mix(h.Sum64())
		if best == "" || w > bestW || (w == bestW && n < best) {
			best, bestW = n, w
		}
	}
	return best
}

// mix is splitmix64's finalizer: fnv's low bits are weak for short keys.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
