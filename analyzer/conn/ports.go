package conn

// Zeek's likely_server_ports as the default (non-bare) script set builds
// it: each protocol script adds its well-known ports. Zeek uses it to
// choose the originator when a connection starts mid-stream.
var likelyTCP = [...]uint16{
	21, 22, 25, 53, 80, 81, 88, 110, 135, 139, 143, 389, 443, 445, 502, 563,
	585, 587, 614, 631, 636, 750, 989, 990, 992, 993, 995, 1080, 1434, 1883,
	2811, 3128, 3268, 3306, 3389, 5222, 5223, 5269, 5432, 6379, 6666, 6667,
	6668, 6669, 8000, 8080, 8888, 20000,
}

var likelyUDP = [...]uint16{
	53, 67, 88, 123, 137, 161, 162, 389, 443, 514, 750, 1812, 2123, 2152,
	3478, 3544, 4789, 5060, 5072, 5353, 5355, 6081, 20000,
}

// portSet is a 65536-bit set.
type portSet [1024]uint64

func (s *portSet) add(p uint16)      { s[p>>6] |= 1 << (p & 63) }
func (s *portSet) has(p uint16) bool { return s[p>>6]&(1<<(p&63)) != 0 }
func newPortSet(ps []uint16) (s portSet) {
	for _, p := range ps {
		s.add(p)
	}
	return
}

var (
	likelyTCPSet = newPortSet(likelyTCP[:])
	likelyUDPSet = newPortSet(likelyUDP[:])
)
