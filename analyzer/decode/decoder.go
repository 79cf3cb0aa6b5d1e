package decode

import (
	"maps"

	"github.com/google/gopacket/layers"

	"xsensor/analyzer/frag"
)

// Options configure a Decoder.
type Options struct {
	// IgnoreChecksums skips every checksum verification (Zeek's -C).
	IgnoreChecksums bool
	// Frag bounds the reassembly of fragments the decoder meets itself
	// (tunnelled inner fragments, and outer ones that reach it).
	Frag frag.Options
	// MaxTunnelDepth is Zeek's Tunnel::max_depth: how many encapsulations
	// are followed. It is clamped to MaxLevels-1; 0 means the default, 2.
	MaxTunnelDepth int
}

// DefaultOptions returns checksums verified, frag.DefaultOptions and a
// tunnel depth of 2 (Zeek's default).
func DefaultOptions() Options {
	return Options{Frag: frag.DefaultOptions(), MaxTunnelDepth: 2}
}

// Stats counts what a Decoder saw. Weirds maps every weird name the
// decoder can produce (present from construction on, so counting never
// allocates) to its count.
type Stats struct {
	Packets       uint64 // frames given to Decode
	NonIP         uint64 // frames without an IP level (ARP, LLDP, unknown link types, …)
	Truncated     uint64 // frames whose capture is shorter than the wire length
	Weird         uint64 // frames with p.Weird set
	BadIPChecksum uint64 // IPv4 headers with a bad checksum
	BadChecksum   uint64 // TCP/UDP/ICMP levels with a bad checksum
	Fragments     uint64 // IP fragments handed to the decoder's reassembler
	Reassembled   uint64 // levels rebuilt from fragments
	FragHeld      uint64 // frames whose datagram is still incomplete
	Tunnelled     uint64 // levels reached through a tunnel
	Frag          frag.Stats
	Weirds        map[string]uint64
}

// Decoder turns captured frames into Packets.
//
// A Decoder is not safe for concurrent use: each worker owns one. It keeps
// the fragment reassembly state and scratch buffers that the slices in a
// decoded Packet may point into, so those slices are valid only until the
// next call to Decode.
type Decoder struct {
	opts     Options
	maxDepth int
	frag     *frag.Reassembler
	stats    Stats

	// Per-call state.
	p       *Packet
	ts      int64
	depth   int   // encapsulations entered so far
	missing int   // bytes of the frame cut off by the snap length
	held    bool  // a level is waiting for more fragments
	encap   Encap // how the next IP level is reached

	vlan, innerVLAN uint16 // outermost two 802.1Q tags

	// reasm keeps each level's reassembled datagram: the Reassembler's
	// buffer is overwritten by its next Add, which an inner level may do.
	reasm [MaxLevels][]byte

	// gopacket layers reused across frames (DecodeFromBytes on concrete
	// types: no interface dispatch, no allocation).
	eth    layers.Ethernet
	dot1q  layers.Dot1Q
	llc    layers.LLC
	snap   layers.SNAP
	loop   layers.Loopback
	icmp4  layers.ICMPv4
	icmp6  layers.ICMPv6
	sll    SLL
	sll2   SLL2
	nflog  NFLOG
	fp     FabricPath
	vntag  VNTag
	erspan ERSPAN
	teredo Teredo
	ayiya  AYIYA
	gtp1   GTPv1U
}

// New returns a Decoder configured by opts. A zero Frag gets
// frag.DefaultOptions; a zero MaxTunnelDepth gets 2.
func New(opts Options) *Decoder {
	if opts.Frag == (frag.Options{}) {
		opts.Frag = frag.DefaultOptions()
	}
	if opts.MaxTunnelDepth <= 0 {
		opts.MaxTunnelDepth = 2
	}
	if opts.MaxTunnelDepth > MaxLevels-1 {
		opts.MaxTunnelDepth = MaxLevels - 1
	}
	d := &Decoder{
		opts:     opts,
		maxDepth: opts.MaxTunnelDepth,
		frag:     frag.New(opts.Frag),
	}
	d.stats.Weirds = make(map[string]uint64, 2*len(weirdNames))
	for _, n := range weirdNames {
		d.stats.Weirds[n] = 0
		d.stats.Weirds[inTunnel[n]] = 0
	}
	return d
}

// Stats returns a copy of the counters (the Weirds map is cloned).
func (d *Decoder) Stats() Stats {
	s := d.stats
	s.Weirds = maps.Clone(d.stats.Weirds)
	s.Frag = d.frag.Stats()
	return s
}

// Decode decodes one frame of the given link type into p, overwriting it.
// data is the captured frame, ts its capture time in nanoseconds and
// wireLen its length on the wire. Decode never panics and does not
// allocate in steady state; slices in p alias data or the decoder's
// buffers until the next call.
func (d *Decoder) Decode(p *Packet, link LinkType, data []byte, ts int64, wireLen int) {
	*p = Packet{TS: ts, WireLen: wireLen, CapLen: len(data)}
	d.p = p
	d.ts = ts
	d.depth = 0
	d.held = false
	d.missing = 0
	d.encap = EncapNone
	d.vlan, d.innerVLAN = 0, 0
	if wireLen > len(data) {
		d.missing = wireLen - len(data)
		d.stats.Truncated++
	}
	d.stats.Packets++
	d.link(link, data)
	switch {
	case d.held:
		d.stats.FragHeld++
	case p.N == 0:
		d.stats.NonIP++
	}
	if p.Weird != "" {
		d.stats.Weird++
	}
	d.p = nil
}
