package conn

import (
	"net/netip"

	"xsensor/analyzer/uid"
)

// MaxTunnelParents bounds tunnel_parents per connection.
const MaxTunnelParents = 4

// Record is one conn.log entry, as Zeek's Conn::Info. The record is owned by
// the table and valid only during the emit callback: copy what you keep.
type Record struct {
	TS       int64 // first packet, ns since the epoch
	UID      uid.UID
	OrigH    netip.Addr
	OrigP    uint16
	RespH    netip.Addr
	RespP    uint16
	Proto    uint8  // transport protocol number: 6 tcp, 17 udp, 1 or 58 icmp
	Service  string // comma-separated service list, "" when unset
	Duration int64  // ns; negative means unset (Zeek leaves it unset for single-packet conns)

	// Byte counts, each unset (logged "-") when the matching Has flag is false.
	OrigBytes, RespBytes uint64
	HasBytes             bool

	ConnState   string // "S0", "SF", … (constant strings)
	MissedBytes uint64
	History     []byte // Zeek's history letters; aliases the table's storage

	OrigPkts, OrigIPBytes uint64
	RespPkts, RespIPBytes uint64

	TunnelParents  [MaxTunnelParents]uid.UID
	NTunnelParents int

	IPProto uint8 // IP protocol number (ip_proto)

	VLAN, InnerVLAN uint16 // 0 when absent
}
