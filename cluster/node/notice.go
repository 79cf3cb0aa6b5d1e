package node

import (
	"encoding/json"
	"net/netip"
	"time"

	"xsensor/cluster/wire"
)

// Notice is one Zeek notice (Notice::Info) raised on a worker node. It
// travels to the manager as a wire notice frame: Note and Identifier in
// the header (the manager suppresses duplicates by that pair across the
// cluster), the record as JSON in the body.
type Notice struct {
	TS         int64      `json:"ts"` // network time, ns
	Note       string     `json:"note"`
	Msg        string     `json:"msg"`
	Sub        string     `json:"sub,omitempty"`
	Src        netip.Addr `json:"src,omitzero"`
	Dst        netip.Addr `json:"dst,omitzero"`
	P          uint16     `json:"p,omitempty"`
	HasP       bool       `json:"-"`
	N          int        `json:"n,omitempty"`
	PeerDescr  string     `json:"peer_descr,omitempty"`
	Identifier string     `json:"identifier"`
}

// Message encodes n as a notice frame suppressed for suppress.
func (n *Notice) Message(suppress time.Duration) (*wire.Message, error) {
	body, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	return &wire.Message{Type: wire.TypeNotice, TS: n.TS, SuppressFor: int64(suppress),
		Note: []byte(n.Note), Identifier: []byte(n.Identifier), Body: body}, nil
}
