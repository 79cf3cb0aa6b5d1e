package conn

import (
	"net/netip"

	"xsensor/analyzer/uid"
)

// ID identifies a connection in every log that refers to it: Zeek's uid
// and conn_id (id.orig_h, id.orig_p, id.resp_h, id.resp_p). Protocol
// analyzers copy it into their records.
type ID struct {
	UID          uid.UID
	OrigH, RespH netip.Addr
	OrigP, RespP uint16
	Proto        uint8 // transport protocol number (6, 17, 1, 58), 0 when unknown
}

// ID returns the connection's identity, with roles as they are now (a
// flip swaps them).
func (c *Conn) ID() ID {
	var p uint8
	switch c.kind {
	case kindTCP:
		p = 6
	case kindUDP:
		p = 17
	case kindICMP:
		p = 1
		if c.origH.Is6() && !c.origH.Is4In6() {
			p = 58
		}
	}
	return ID{UID: c.uid, OrigH: c.origH, RespH: c.respH, OrigP: c.origP, RespP: c.respP, Proto: p}
}
