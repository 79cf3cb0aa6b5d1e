package bpf

import (
	"errors"
	"fmt"
	"net/netip"

	"xsensor/analyzer/flowhash"
)

// Action is what the program does with a frame it cannot hand to a
// worker: its slot has no socket, or the CIDR filter refuses it.
type Action uint8

const (
	// ActionPass gives the frame to the kernel's network stack (default).
	ActionPass Action = iota
	// ActionDrop drops the frame.
	ActionDrop
)

func (a Action) String() string {
	switch a {
	case ActionPass:
		return "pass"
	case ActionDrop:
		return "drop"
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// UnmarshalText accepts "pass" and "drop".
func (a *Action) UnmarshalText(b []byte) error {
	switch string(b) {
	case "pass":
		*a = ActionPass
	case "drop":
		*a = ActionDrop
	default:
		return fmt.Errorf("unknown action %q (want pass or drop)", b)
	}
	return nil
}

func (a Action) xdp() uint32 {
	if a == ActionDrop {
		return xdpDrop
	}
	return xdpPass
}

// FilterMode selects how the CIDR filter is applied to IP packets. Frames
// without an IP header are never filtered.
type FilterMode uint8

const (
	// FilterOff disables the filter (default).
	FilterOff FilterMode = iota
	// FilterAllow keeps only packets with either address in a prefix.
	FilterAllow
	// FilterDeny keeps only packets with neither address in a prefix.
	FilterDeny
)

func (m FilterMode) String() string {
	switch m {
	case FilterOff:
		return "off"
	case FilterAllow:
		return "allow"
	case FilterDeny:
		return "deny"
	}
	return fmt.Sprintf("FilterMode(%d)", uint8(m))
}

// UnmarshalText accepts "off", "allow" and "deny".
func (m *FilterMode) UnmarshalText(b []byte) error {
	switch string(b) {
	case "off", "":
		*m = FilterOff
	case "allow":
		*m = FilterAllow
	case "deny":
		*m = FilterDeny
	default:
		return fmt.Errorf("unknown filter mode %q (want off, allow or deny)", b)
	}
	return nil
}

func (m FilterMode) bpf() uint32 {
	switch m {
	case FilterAllow:
		return filterAllow
	case FilterDeny:
		return filterDeny
	}
	return filterOff
}

// Filter is the optional allow/deny CIDR filter. Refused packets get the
// NoSocket action and count as filtered.
type Filter struct {
	Mode     FilterMode
	Prefixes []netip.Prefix
}

// AttachMode selects the XDP hook.
type AttachMode uint8

const (
	// AttachAuto tries driver (native) mode, then skb (generic) mode.
	AttachAuto AttachMode = iota
	// AttachDriver requires driver mode.
	AttachDriver
	// AttachSKB requires skb (generic) mode.
	AttachSKB
)

func (m AttachMode) String() string {
	switch m {
	case AttachAuto:
		return "auto"
	case AttachDriver:
		return "drv"
	case AttachSKB:
		return "skb"
	}
	return fmt.Sprintf("AttachMode(%d)", uint8(m))
}

// UnmarshalText accepts "auto", "drv" (or "driver", "native") and "skb"
// (or "generic").
func (m *AttachMode) UnmarshalText(b []byte) error {
	switch string(b) {
	case "auto", "":
		*m = AttachAuto
	case "drv", "driver", "native":
		*m = AttachDriver
	case "skb", "generic":
		*m = AttachSKB
	default:
		return fmt.Errorf("unknown xdp mode %q (want drv, skb or auto)", b)
	}
	return nil
}

// Options configures Load. The zero value is valid except where noted;
// see DefaultOptions.
type Options struct {
	// WorkersPerQueue is the number of AF_XDP sockets per RX queue
	// (default 1). A frame goes to slot queue*WorkersPerQueue +
	// hash%WorkersPerQueue.
	WorkersPerQueue int
	// Queues is the number of RX queues the XSKMAP has slots for
	// (default 64). Frames from higher queues get the NoSocket action.
	Queues int
	// HashMode selects 5-tuple or ip-pair hashing.
	HashMode flowhash.Mode
	// NoSocket is the action for frames whose slot has no socket and for
	// frames the filter refuses.
	NoSocket Action
	// Filter is the optional CIDR filter.
	Filter Filter
	// ShuntEntries sizes the shunt map (default 65536); the least
	// recently used flow is evicted when it is full.
	ShuntEntries int

	// debug makes the program record every verdict in xs_debug_map.
	debug bool
}

// DefaultOptions returns the defaults: one worker per queue, 64 queues,
// 5-tuple hashing, pass when no socket, no filter.
func DefaultOptions() Options {
	return Options{WorkersPerQueue: 1, Queues: 64, ShuntEntries: 65536}
}

// maxSlots bounds Queues*WorkersPerQueue (the XSKMAP size).
const maxSlots = 1 << 16

// ErrInvalidOptions is wrapped by every validation error of Load.
var ErrInvalidOptions = errors.New("invalid xdp options")

// withDefaults fills zero fields and validates.
func (o Options) withDefaults() (Options, error) {
	d := DefaultOptions()
	if o.WorkersPerQueue == 0 {
		o.WorkersPerQueue = d.WorkersPerQueue
	}
	if o.Queues == 0 {
		o.Queues = d.Queues
	}
	if o.ShuntEntries == 0 {
		o.ShuntEntries = d.ShuntEntries
	}
	switch {
	case o.WorkersPerQueue < 0 || o.Queues < 0 || o.WorkersPerQueue*o.Queues > maxSlots:
		return o, fmt.Errorf("%w: %d queues × %d workers per queue (want > 0, at most %d slots)",
			ErrInvalidOptions, o.Queues, o.WorkersPerQueue, maxSlots)
	case o.ShuntEntries < 0:
		return o, fmt.Errorf("%w: shunt entries %d", ErrInvalidOptions, o.ShuntEntries)
	case o.HashMode != flowhash.ModeFiveTuple && o.HashMode != flowhash.ModeIPPair:
		return o, fmt.Errorf("%w: hash mode %v", ErrInvalidOptions, o.HashMode)
	case o.NoSocket > ActionDrop:
		return o, fmt.Errorf("%w: no-socket action %v", ErrInvalidOptions, o.NoSocket)
	case o.Filter.Mode > FilterDeny:
		return o, fmt.Errorf("%w: filter mode %v", ErrInvalidOptions, o.Filter.Mode)
	}
	for _, p := range o.Filter.Prefixes {
		if !p.IsValid() {
			return o, fmt.Errorf("%w: filter prefix %v", ErrInvalidOptions, p)
		}
	}
	return o, nil
}

func (o Options) config() config {
	c := config{
		WorkersPerQueue: uint32(o.WorkersPerQueue),
		HashMode:        hash5Tuple,
		NoSocketAction:  o.NoSocket.xdp(),
		FilterMode:      o.Filter.Mode.bpf(),
	}
	if o.HashMode == flowhash.ModeIPPair {
		c.HashMode = hashIPPair
	}
	if o.debug {
		c.Flags |= cfgDebug
	}
	return c
}

// normPrefix masks the prefix and unmaps IPv4-mapped IPv6 prefixes.
func normPrefix(pr netip.Prefix) netip.Prefix {
	a := pr.Addr()
	if a.Is4In6() {
		bits := pr.Bits() - 96
		if bits < 0 {
			bits = 0
		}
		pr = netip.PrefixFrom(a.Unmap(), bits)
	}
	return pr.Masked()
}

// MarshalText returns the mode's name (drv, skb or auto).
func (m AttachMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }
