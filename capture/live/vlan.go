package live

import (
	"encoding/binary"

	"xsensor/capture/afpacket"
)

// TPACKET status bits for a tag the kernel moved out of the frame.
const (
	tpStatusVLANValid     = 0x10
	tpStatusVLANTPIDValid = 0x40
)

// vlanRestorer puts back the 802.1Q tag that AF_PACKET strips from a
// frame into its metadata (as libpcap does), so workers see the frame as
// it was on the wire. Tagged frames are rebuilt in a per-worker scratch
// buffer that lives for one batch; untagged frames are passed through.
// Not safe for concurrent use: one per worker.
type vlanRestorer struct {
	buf []byte
}

func (v *vlanRestorer) reset() { v.buf = v.buf[:0] }

// restore returns the frame with its tag, and its length on the wire.
func (v *vlanRestorer) restore(p *afpacket.Packet) ([]byte, uint32) {
	if p.Status&tpStatusVLANValid == 0 || len(p.Data) < 12 {
		return p.Data, p.Len
	}
	tpid := uint16(0x8100)
	if p.Status&tpStatusVLANTPIDValid != 0 && p.VLANTPID != 0 {
		tpid = p.VLANTPID
	}
	need := len(p.Data) + 4
	if cap(v.buf)-len(v.buf) < need {
		// Frames already handed out keep the old array alive; this
		// happens only when one batch outgrows the buffer.
		v.buf = make([]byte, 0, max(1<<20, 2*need))
	}
	start := len(v.buf)
	v.buf = append(v.buf, p.Data[:12]...)
	v.buf = binary.BigEndian.AppendUint16(v.buf, tpid)
	v.buf = binary.BigEndian.AppendUint16(v.buf, p.VLANTCI)
	v.buf = append(v.buf, p.Data[12:]...)
	return v.buf[start:len(v.buf):len(v.buf)], p.Len + 4
}
