package config

import (
	"fmt"
	"strings"
)

// SourceKind says where a worker's packets come from.
type SourceKind uint8

const (
	SourceNone     SourceKind = iota // no interface configured
	SourceDefault                    // a bare interface name: the capture method follows lb_method
	SourceAFPacket                   // "af_packet::eth1"
	SourceXDP                        // "xdp::eth1"
	SourcePCAP                       // "pcap::/path/file.pcap": replay the file once, then idle until stopped
	SourceOther                      // another zeekctl prefix ("pf_ring::", "myricom::", …), kept as written
)

var sourceKindNames = [...]string{"none", "default", "af_packet", "xdp", "pcap", "other"}

// String names the kind.
func (k SourceKind) String() string {
	if int(k) < len(sourceKindNames) {
		return sourceKindNames[k]
	}
	return fmt.Sprintf("SourceKind(%d)", uint8(k))
}

// Source is a parsed interface= value.
type Source struct {
	Kind   SourceKind
	Prefix string // the prefix as written, without "::" ("" for a bare name)
	Name   string // interface name or pcap path
}

// String returns the value as node.cfg spells it.
func (s Source) String() string {
	if s.Prefix == "" {
		return s.Name
	}
	return s.Prefix + "::" + s.Name
}

// ParseSource parses an interface= value. Prefix matching is
// case-insensitive; the name after the prefix must not be empty.
func ParseSource(v string) (Source, error) {
	if v == "" {
		return Source{}, nil
	}
	pre, name, ok := strings.Cut(v, "::")
	if !ok {
		return Source{Kind: SourceDefault, Name: v}, nil
	}
	if name == "" {
		return Source{}, fmt.Errorf("%q has no interface or file after %q", v, pre+"::")
	}
	if pre == "" {
		return Source{}, fmt.Errorf("%q has an empty prefix before \"::\"", v)
	}
	s := Source{Prefix: pre, Name: name}
	switch strings.ToLower(pre) {
	case "af_packet":
		s.Kind = SourceAFPacket
	case "xdp":
		s.Kind = SourceXDP
	case "pcap":
		s.Kind = SourcePCAP
	default:
		s.Kind = SourceOther
	}
	return s, nil
}

// LBMethod is zeekctl's lb_method: how packets are spread over a worker
// node's processes (for xsensor, its worker goroutines).
type LBMethod uint8

const (
	LBNone       LBMethod = iota // not set (lb_procs not set either)
	LBXDP                        // xsensor's XDP program with AF_XDP sockets
	LBAFPacket                   // AF_PACKET fanout
	LBPFRing                     // zeekctl's pf_ring; accepted, the worker chooses its own method
	LBMyricom                    // zeekctl's myricom; accepted as pf_ring
	LBCustom                     // the interface prefix decides
	LBInterfaces                 // one interface per process, from lb_interfaces
)

var lbNames = [...]string{"", "xdp", "af_packet", "pf_ring", "myricom", "custom", "interfaces"}

// String returns the node.cfg spelling ("" for LBNone).
func (m LBMethod) String() string {
	if int(m) < len(lbNames) {
		return lbNames[m]
	}
	return fmt.Sprintf("LBMethod(%d)", uint8(m))
}

// MarshalText implements encoding.TextMarshaler.
func (m LBMethod) MarshalText() ([]byte, error) {
	if int(m) >= len(lbNames) {
		return nil, fmt.Errorf("unknown lb_method %d", uint8(m))
	}
	return []byte(lbNames[m]), nil
}

// UnmarshalText accepts zeekctl's methods plus "xdp" (any case).
func (m *LBMethod) UnmarshalText(text []byte) error {
	s := strings.ToLower(string(text))
	for i, n := range lbNames {
		if i > 0 && s == n {
			*m = LBMethod(i)
			return nil
		}
	}
	return fmt.Errorf("unknown lb_method %q (want xdp, af_packet, pf_ring, myricom, custom or interfaces)", text)
}
