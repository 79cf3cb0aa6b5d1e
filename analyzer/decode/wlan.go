package decode

import "encoding/binary"

// radiotap skips a radiotap header (its length is little-endian at
// offset 2) and decodes the 802.11 frame behind it.
func (d *Decoder) radiotap(b []byte) {
	if len(b) < 4 {
		d.weird(WeirdTruncatedRadiotap)
		return
	}
	n := int(binary.LittleEndian.Uint16(b[2:4]))
	if n > len(b) {
		d.weird(WeirdTruncatedRadiotap)
		return
	}
	d.wlan(b[n:])
}

// wlan decodes an 802.11 data frame as Zeek's IEEE802_11 analyzer does:
// management and control frames and null-data subtypes are skipped,
// protected QoS frames are skipped, A-MSDU aggregates are split and each
// subframe decoded (every subframe's IP lands in the same Packet only if
// Levels allow: the first IP subframe wins, as a Packet holds one
// datagram).
//
// gopacket's Dot11 decodes every management element and allocates; the
// data path needs only the header length, so it is parsed here.
func (d *Decoder) wlan(b []byte) {
	hl := 24
	if len(b) <= hl {
		d.weird(WeirdTruncated80211)
		return
	}
	fc := b[0]
	if (fc>>2)&0x02 == 0 { // not a data frame
		return
	}
	if (fc>>4)&0x04 != 0 { // subtype without data
		return
	}
	if b[1]&0x03 == 0x03 {
		hl += 6
	}
	if hl >= len(b) {
		d.weird(WeirdTruncated80211)
		return
	}
	amsdu := false
	if (fc>>4)&0x08 != 0 { // QoS data
		amsdu = b[hl]&0x80 != 0
		if b[1]&0x40 != 0 { // protected: encrypted payload
			return
		}
		hl += 2
	}
	if hl >= len(b) {
		d.weird(WeirdTruncated80211)
		return
	}
	b = b[hl:]
	if !amsdu {
		d.wlanLLC(b)
		return
	}
	n0 := d.p.N
	for len(b) > 0 && d.p.N == n0 && !d.held {
		if len(b) < 14 {
			d.weird(WeirdTruncatedAMSDUHdr)
			return
		}
		n := int(binary.BigEndian.Uint16(b[12:14]))
		if len(b) < n+14 {
			d.weird(WeirdTruncatedAMSDUPkt)
			return
		}
		sub := b[14 : 14+n]
		if !d.wlanLLC(sub) {
			d.weird(WeirdInvalidAMSDUInner)
			return
		}
		b = b[14+n:]
		if pad := n % 4; len(b) >= pad {
			b = b[pad:]
		}
	}
}

// wlanLLC decodes the LLC/SNAP header of an 802.11 payload; it reports
// whether the header was SNAP with a zero OUI.
func (d *Decoder) wlanLLC(b []byte) bool {
	if len(b) < 8 {
		d.weird(WeirdTruncated80211LLC)
		return false
	}
	if b[0] != 0xaa || b[1] != 0xaa || b[2] != 0x03 || b[3] != 0 || b[4] != 0 || b[5] != 0 {
		return false
	}
	d.ethertype(binary.BigEndian.Uint16(b[6:8]), b[8:])
	return true
}
