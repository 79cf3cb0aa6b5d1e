package trafficgen

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Summary counts what Generate produced.
type Summary struct {
	Packets int // frames emitted
	Bytes   int // sum of captured frame lengths
	Flows   int // flows generated

	TCPFlows, UDPFlows, ICMPFlows int // flows by transport
	DNSFlows                      int // UDP flows on port 53 (also in UDPFlows)
	RSTFlows, SynOnlyFlows        int // TCP flows reset, or never answered
	IPv6Flows, VLANFlows          int

	TCPPackets, UDPPackets, ICMPPackets int
	IPv6Packets, VLANPackets            int

	// Frames by size class: Small up to 128 bytes captured (64 on the
	// wire for untagged IPv4), Mid up to 1000 (594), Large above (1518).
	Small, Mid, Large int

	FirstTS, LastTS int64 // ns since the epoch
}

// gen is the state of one Generate call. Not safe for concurrent use.
type gen struct {
	opts    Options
	mix     string
	rng     rng
	buf     [2048]byte
	dns     [1600]byte
	pattern []byte
	classes [nClasses]int

	started   int // flows started
	committed int // packets promised to started flows
	dist      kindDist
	sum       Summary
}

// kindDist is a mix's share of flow kinds (summing to 1).
type kindDist struct {
	tcp, rst, synOnly, dns, udp, icmp float64
}

var dists = map[string]kindDist{
	MixIMIX:  {tcp: 0.44, rst: 0.03, synOnly: 0.03, dns: 0.30, udp: 0.12, icmp: 0.08},
	MixSmall: {tcp: 0.55, rst: 0.03, synOnly: 0.02, udp: 0.30, icmp: 0.10},
	MixLarge: {tcp: 0.85, rst: 0.02, synOnly: 0.01, dns: 0.10, icmp: 0.02},
}

// Expected packets of the kinds whose size does not follow the budget.
const (
	meanSynOnly = 2.0
	meanDNS     = 2.4
	meanUDP     = 5.0
	meanICMP    = 5.0
)

// Generate produces the traffic described by opts and calls emit for each
// frame in timestamp order. The frame is valid only during the call. An
// error from emit stops the generation and is returned.
func Generate(opts Options, emit func(ts int64, frame []byte) error) (Summary, error) {
	if opts.PPS == 0 {
		opts.PPS = DefaultOptions().PPS
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = DefaultOptions().Concurrency
	}
	if err := opts.Validate(); err != nil {
		return Summary{}, fmt.Errorf("generate: %w", err)
	}
	g := &gen{opts: opts, mix: opts.Mix, rng: newRNG(opts.Seed), dist: dists[opts.Mix]}
	g.pattern = make([]byte, 1<<16)
	for i := 0; i < len(g.pattern); i += 8 {
		binary.LittleEndian.PutUint64(g.pattern[i:], g.rng.u64())
	}

	k := opts.Concurrency
	if k > opts.Flows {
		k = opts.Flows
	}
	pool := make([]flow, k)
	active := make([]*flow, k)
	for i := range pool {
		g.newFlow(&pool[i])
		active[i] = &pool[i]
	}

	ts := opts.Start.UnixNano()
	gap := 1e9 / opts.PPS
	g.sum.FirstTS = ts
	first := true
	for len(active) > 0 {
		i := g.rng.intn(len(active))
		f := active[i]
		frame := g.next(f)
		if !first {
			d := int64(gap * (0.5 + g.rng.float()))
			if d < 1 {
				d = 1
			}
			ts += d
		}
		first = false
		g.count(f, frame)
		if err := emit(ts, frame); err != nil {
			return g.sum, fmt.Errorf("generate: packet %d: %w", g.sum.Packets, err)
		}
		if f.done() {
			if g.started < opts.Flows {
				g.newFlow(f)
			} else {
				active[i] = active[len(active)-1]
				active = active[:len(active)-1]
			}
		}
	}
	g.sum.LastTS = ts
	return g.sum, nil
}

func (g *gen) count(f *flow, frame []byte) {
	s := &g.sum
	s.Packets++
	s.Bytes += len(frame)
	c := classify(len(frame))
	g.classes[c]++
	switch f.kind {
	case kindTCP, kindTCPRst, kindSynOnly:
		s.TCPPackets++
	case kindDNS, kindUDP:
		s.UDPPackets++
	default:
		s.ICMPPackets++
	}
	if f.v6 {
		s.IPv6Packets++
	}
	if f.vlan != 0 {
		s.VLANPackets++
	}
	s.Small, s.Mid, s.Large = g.classes[0], g.classes[1], g.classes[2]
}

// pickKind draws a flow kind from the mix.
func (g *gen) pickKind() kind {
	d := g.dist
	x := g.rng.float()
	for _, c := range [...]struct {
		p float64
		k kind
	}{{d.tcp, kindTCP}, {d.rst, kindTCPRst}, {d.synOnly, kindSynOnly}, {d.dns, kindDNS}, {d.udp, kindUDP}} {
		if x < c.p {
			return c.k
		}
		x -= c.p
	}
	if d.icmp == 0 {
		return kindTCP
	}
	return kindICMP
}

// plan chooses the kind and packet budget of the next flow, spreading the
// packets still to go over the flows still to go.
func (g *gen) plan() (kind, int) {
	remP := g.opts.Packets - g.committed
	remF := g.opts.Flows - g.started
	if remF == 1 {
		// The last flow takes what is left.
		switch {
		case remP >= 7:
			return kindTCP, remP
		case remP >= 5:
			return kindTCPRst, remP
		case remP == 2 || remP == 4:
			if g.dist.dns > 0 {
				return kindDNS, remP
			}
			return kindUDP, remP
		case remP == 3 && g.dist.icmp > 0:
			return kindICMP, 3
		case remP >= 1:
			return kindSynOnly, remP
		}
	}
	k := g.pickKind()
	var b int
	switch k {
	case kindSynOnly:
		b = 1 + g.rng.intn(3)
	case kindDNS:
		b = 2
		if g.rng.chance(0.2) {
			b = 4
		}
	case kindUDP:
		b = 2 * (1 + int(g.rng.exp(meanUDP/2-1)))
	case kindICMP:
		b = 2 * (1 + g.rng.intn(4))
		if g.rng.chance(0.1) {
			b-- // last request unanswered
		}
	default:
		// TCP flows absorb the rest of the budget: their mean is what
		// makes the expected total come out at the packets to go.
		d := g.dist
		other := d.synOnly*meanSynOnly + d.dns*meanDNS + d.udp*meanUDP + d.icmp*meanICMP
		mean := (float64(remP)/float64(remF) - other) / (d.tcp + d.rst)
		min := minBudget(k)
		b = min + int(math.Round(g.rng.exp(math.Max(mean-float64(min), 0))))
		// Leave at least two packets for each flow still to go.
		if max := remP - 2*(remF-1); b > max {
			b = max
		}
		if b < min {
			b = min
		}
	}
	return k, b
}

// newFlow starts the next flow in f.
func (g *gen) newFlow(f *flow) {
	k, budget := g.plan()
	idx := uint32(g.started)
	g.started++
	g.committed += budget
	*f = flow{kind: k, idx: idx, budget: budget}
	r := &g.rng
	f.v6 = r.chance(g.opts.IPv6Share)
	if r.chance(g.opts.VLANShare) {
		f.vlan = [...]uint16{10, 20, 30, 100}[r.intn(4)]
	}
	f.label = uint32(r.u64()) & 0xfffff

	// Addresses: four flows per client host, so (host, port) and, for
	// ICMP, (host, server) are unique within a run.
	host := idx/4 + 1
	srv := uint32(r.intn(4096))
	switch k {
	case kindDNS:
		srv = 0x3500 + uint32(r.intn(4)) // a few resolvers
	case kindICMP:
		srv = idx % 4096
	}
	if f.v6 {
		f.cli = [16]byte{0xfd, 0x00, 0, 0, 0, 0, 0, 0x10}
		binary.BigEndian.PutUint32(f.cli[12:], host)
		f.srv = [16]byte{0x20, 0x01, 0x00, 0x02} // 2001:2::/48, benchmarking
		binary.BigEndian.PutUint32(f.srv[12:], srv+1)
	} else {
		binary.BigEndian.PutUint32(f.cli[:4], 10<<24|host)            // 10.0.0.0/8
		binary.BigEndian.PutUint32(f.srv[:4], 198<<24|18<<16|(srv+1)) // 198.18.0.0/15, benchmarking
	}
	f.mac = [6]byte{0x02, 0x00}
	binary.BigEndian.PutUint32(f.mac[2:], host)
	f.cport = uint16(32768 + (idx%4)*8192 + uint32(r.intn(8192)))

	switch k {
	case kindTCP, kindTCPRst, kindSynOnly:
		f.sport = tcpPorts[r.intn(len(tcpPorts))]
		if f.sport == 0 {
			f.sport = uint16(1024 + r.intn(48000))
		}
		f.cnext = uint32(r.u64()) + 1 // ISN + 1: the SYN takes one
		f.snext = uint32(r.u64()) + 1
		f.cwin = uint16(500 + r.intn(2000))
		f.swin = uint16(500 + r.intn(2000))
		f.serverCloses = r.chance(0.3)
	case kindDNS:
		f.sport = 53
		f.id = uint16(r.u64())
		f.queries = budget / 2
	case kindUDP:
		f.sport = uint16(1024 + r.intn(64000))
	case kindICMP:
		f.id = uint16(r.u64())
	}
	f.cipid = uint16(r.u64())
	f.sipid = uint16(r.u64())

	s := &g.sum
	s.Flows++
	switch k {
	case kindTCP:
		s.TCPFlows++
	case kindTCPRst:
		s.TCPFlows++
		s.RSTFlows++
	case kindSynOnly:
		s.TCPFlows++
		s.SynOnlyFlows++
	case kindDNS:
		s.UDPFlows++
		s.DNSFlows++
	case kindUDP:
		s.UDPFlows++
	case kindICMP:
		s.ICMPFlows++
	}
	if f.v6 {
		s.IPv6Flows++
	}
	if f.vlan != 0 {
		s.VLANFlows++
	}
}

// tcpPorts are server ports of TCP flows; 0 means a random one.
var tcpPorts = [...]uint16{443, 443, 443, 443, 80, 80, 22, 8443, 3389, 5201, 0, 0}
