package conn

// fillRecord writes c's conn.log entry into t.rec (Zeek's set_conn at
// connection_state_remove).
func (t *Table) fillRecord(c *Conn) {
	r := &t.rec
	*r = Record{
		TS:        c.start,
		UID:       c.uid,
		OrigH:     c.origH,
		OrigP:     c.origP,
		RespH:     c.respH,
		RespP:     c.respP,
		Duration:  -1,
		History:   c.hist[:c.nhist],
		OrigPkts:  c.pkts[0],
		RespPkts:  c.pkts[1],
		IPProto:   c.ipProto,
		VLAN:      c.vlan,
		InnerVLAN: c.ivlan,
	}
	r.OrigIPBytes, r.RespIPBytes = c.ipBytes[0], c.ipBytes[1]
	r.MissedBytes = c.missed
	r.TunnelParents = c.parents
	r.NTunnelParents = int(c.nparents)

	var ob, rb uint64
	switch c.kind {
	case kindTCP:
		r.Proto = 6
		o, p := c.tcp.orig(), c.tcp.resp()
		ob, rb = o.size(p), p.size(o)
		r.ConnState = c.tcpState()
	case kindUDP:
		r.Proto = 17
		ob, rb = uint64(max(c.dlen[0], 0)), uint64(max(c.dlen[1], 0))
		switch {
		case c.dlen[0] >= 0 && c.dlen[1] >= 0:
			r.ConnState = "SF"
		case c.dlen[0] >= 0:
			r.ConnState = "S0"
		case c.dlen[1] >= 0:
			r.ConnState = "SHR"
		default:
			r.ConnState = "OTH"
		}
	case kindICMP:
		r.Proto = c.ipProto
		ob, rb = uint64(max(c.dlen[0], 0)), uint64(max(c.dlen[1], 0))
		r.ConnState = "OTH"
	default:
		r.Proto = 0 // unknown_transport
		r.ConnState = "OTH"
	}
	if d := c.last - c.start; d > 0 {
		r.Duration = d
		r.OrigBytes, r.RespBytes, r.HasBytes = ob, rb, true
	}
	switch c.nservices {
	case 0:
	case 1:
		r.Service = c.services[0]
	default:
		b := t.svc[:0]
		for i := 0; i < int(c.nservices); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, c.services[i]...)
		}
		t.svc = b
		r.Service = string(b)
	}
}
