package config

import (
	"fmt"
	"strings"
)

// Role is the job of a cluster node, as zeekctl's node "type".
type Role uint8

const (
	Manager Role = iota // receives notices and stats, de-duplicates notices; logs when there is no logger
	Logger              // receives every log batch and writes one file per stream
	Proxy               // relays shared state around the proxy ring and down to workers
	Worker              // captures and analyses packets, ships logs, notices and state
	Control             // not a node type: the control tool's identity on the wire
)

var roleNames = [...]string{"manager", "logger", "proxy", "worker", "control"}

// String returns the node.cfg spelling ("manager", "worker", …).
func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// MarshalText implements encoding.TextMarshaler.
func (r Role) MarshalText() ([]byte, error) {
	if int(r) >= len(roleNames) {
		return nil, fmt.Errorf("unknown role %d", uint8(r))
	}
	return []byte(roleNames[r]), nil
}

// UnmarshalText accepts a node type as node.cfg spells it (any case).
// "control" is accepted too; node.cfg rejects it separately.
func (r *Role) UnmarshalText(text []byte) error {
	s := strings.ToLower(string(text))
	for i, n := range roleNames {
		if s == n {
			*r = Role(i)
			return nil
		}
	}
	if s == "standalone" {
		return fmt.Errorf("standalone nodes are not supported (use \"xsensor run\" for a one-box sensor)")
	}
	return fmt.Errorf("unknown node type %q (want manager, logger, proxy or worker)", text)
}
