package pcapfile

import (
	"encoding/binary"
)

// Helpers that build capture files in memory for tests.

type testPkt struct {
	ts   int64 // ns
	data []byte
	wire int
}

// buildPcap writes a classic pcap file.
func buildPcap(bo binary.ByteOrder, nanos bool, link uint32, snaplen uint32, pkts []testPkt) []byte {
	b := make([]byte, 24)
	magic := uint32(0xa1b2c3d4)
	if nanos {
		magic = 0xa1b23c4d
	}
	bo.PutUint32(b[0:], magic)
	bo.PutUint16(b[4:], 2)
	bo.PutUint16(b[6:], 4)
	bo.PutUint32(b[16:], snaplen)
	bo.PutUint32(b[20:], link)
	for _, p := range pkts {
		h := make([]byte, 16)
		bo.PutUint32(h[0:], uint32(p.ts/1e9))
		if nanos {
			bo.PutUint32(h[4:], uint32(p.ts%1e9))
		} else {
			bo.PutUint32(h[4:], uint32(p.ts%1e9/1e3))
		}
		bo.PutUint32(h[8:], uint32(len(p.data)))
		w := p.wire
		if w == 0 {
			w = len(p.data)
		}
		bo.PutUint32(h[12:], uint32(w))
		b = append(b, h...)
		b = append(b, p.data...)
	}
	return b
}

// ngBuilder writes pcapng blocks.
type ngBuilder struct {
	bo  binary.AppendByteOrder
	buf []byte
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func (w *ngBuilder) block(typ uint32, body []byte) {
	body = pad4(body)
	n := uint32(12 + len(body))
	w.buf = w.bo.AppendUint32(w.buf, typ)
	w.buf = w.bo.AppendUint32(w.buf, n)
	w.buf = append(w.buf, body...)
	w.buf = w.bo.AppendUint32(w.buf, n)
}

func (w *ngBuilder) opt(b []byte, code uint16, val []byte) []byte {
	b = w.bo.AppendUint16(b, code)
	b = w.bo.AppendUint16(b, uint16(len(val)))
	return pad4(append(b, val...))
}

func (w *ngBuilder) shb(order binary.ByteOrder) {
	bo := order.(binary.AppendByteOrder)
	w.bo = bo
	var body []byte
	body = bo.AppendUint32(body, ngByteOrderMagic)
	body = bo.AppendUint16(body, 1)
	body = bo.AppendUint16(body, 0)
	body = bo.AppendUint64(body, ^uint64(0))
	body = w.opt(body, 4, []byte("xsensor test")) // shb_userappl
	body = w.opt(body, 0, nil)
	w.block(ngBlockSHB, body)
}

// idb adds an interface; tsresol < 0 means no option; tsoff != 0 adds if_tsoffset.
func (w *ngBuilder) idb(link uint16, snap uint32, tsresol int, tsoff int64) {
	var body []byte
	body = w.bo.AppendUint16(body, link)
	body = w.bo.AppendUint16(body, 0)
	body = w.bo.AppendUint32(body, snap)
	body = w.opt(body, 2, []byte("eth0")) // if_name
	if tsresol >= 0 {
		body = w.opt(body, ngOptTSResol, []byte{byte(tsresol)})
	}
	if tsoff != 0 {
		body = w.opt(body, ngOptTSOffset, w.bo.AppendUint64(nil, uint64(tsoff)))
	}
	body = w.opt(body, 0, nil)
	w.block(ngBlockIDB, body)
}

func (w *ngBuilder) epb(iface uint32, rawTS uint64, data []byte, wire int, opts bool) {
	var body []byte
	body = w.bo.AppendUint32(body, iface)
	body = w.bo.AppendUint32(body, uint32(rawTS>>32))
	body = w.bo.AppendUint32(body, uint32(rawTS))
	body = w.bo.AppendUint32(body, uint32(len(data)))
	body = w.bo.AppendUint32(body, uint32(wire))
	body = pad4(append(body, data...))
	if opts {
		body = w.opt(body, 1, []byte("a comment"))
		body = w.opt(body, 0, nil)
	}
	w.block(ngBlockEPB, body)
}

func (w *ngBuilder) spb(wire int, data []byte) {
	var body []byte
	body = w.bo.AppendUint32(body, uint32(wire))
	body = append(body, data...)
	w.block(ngBlockSPB, body)
}

func (w *ngBuilder) isb(iface uint32) {
	var body []byte
	body = w.bo.AppendUint32(body, iface)
	body = w.bo.AppendUint64(body, 0)
	body = w.opt(body, 4, w.bo.AppendUint64(nil, 7)) // isb_ifrecv
	body = w.opt(body, 0, nil)
	w.block(ngBlockISB, body)
}
