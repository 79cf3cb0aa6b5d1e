package conncodec

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strconv"
)

// The TSV text of conn.log values: the encoder parses only the forms the
// decoder prints back byte for byte; anything else is escaped.

func isUnset(v []byte) bool { return len(v) == 1 && v[0] == '-' }

// parseCount parses a canonical decimal (no sign, no leading zero) of at
// most 19 digits.
func parseCount(v []byte) (uint64, bool) {
	if len(v) == 0 || len(v) > 19 || len(v) > 1 && v[0] == '0' {
		return 0, false
	}
	var x uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		x = x*10 + uint64(c-'0')
	}
	return x, true
}

// parseFixed6 parses "W.FFFFFF" (canonical W of at most 12 digits,
// exactly 6 decimals: Zeek's TSV time and interval) into microseconds.
func parseFixed6(v []byte) (int64, bool) {
	if len(v) < 8 || v[len(v)-7] != '.' {
		return 0, false
	}
	w, ok := parseCount(v[:len(v)-7])
	if !ok || len(v)-7 > 12 {
		return 0, false
	}
	var f int64
	for _, c := range v[len(v)-6:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		f = f*10 + int64(c-'0')
	}
	return int64(w)*1e6 + f, true
}

// appendFixed6 appends microseconds as "W.FFFFFF".
func appendFixed6(b []byte, us uint64) []byte {
	b = strconv.AppendUint(b, us/1e6, 10)
	f := us % 1e6
	return append(b, '.', byte('0'+f/1e5), byte('0'+f/1e4%10), byte('0'+f/1e3%10),
		byte('0'+f/100%10), byte('0'+f/10%10), byte('0'+f%10))
}

// parseAddr parses an address that netip prints back byte for byte
// (scratch is a buffer for the check). It returns tagUnset for "-",
// tagV4 or tagV6, or tagRaw.
func parseAddr(v, scratch []byte) (netip.Addr, uint8) {
	if isUnset(v) {
		return netip.Addr{}, tagUnset
	}
	a, err := netip.ParseAddr(string(v))
	if err != nil || a.Zone() != "" || !bytes.Equal(a.AppendTo(scratch[:0]), v) {
		return netip.Addr{}, tagRaw
	}
	if a.Is4() {
		return a, tagV4
	}
	return a, tagV6
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

var base62Val = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base62); i++ {
		t[base62[i]] = int8(i)
	}
	return t
}()

// parseUID parses a uid as analyzer/uid writes it: 'C', the high 32
// bits then the low 64 bits in base62, each without leading zeros. The
// split between the two is implied by the values (the decoder writes
// each canonically), so any split that reproduces v is right. The result
// is hi (4 bytes) then lo (8 bytes), big-endian.
func parseUID(v []byte) (u [12]byte, ok bool) {
	u, _, ok = parseUIDFrom(v, 1)
	return u, ok
}

// parseUIDFrom is parseUID trying the splits with at least h digits in
// the high word; it also returns the split found. Several splits may
// print the same text: a uid made by key is one of them.
func parseUIDFrom(v []byte, h int) (u [12]byte, split int, ok bool) {
	if len(v) < 3 || len(v) > 18 || v[0] != 'C' {
		return u, 0, false
	}
	d := v[1:]
	for _, c := range d {
		if base62Val[c] < 0 {
			return u, 0, false
		}
	}
	// hi has 1..6 digits, lo 1..11.
	for ; h <= 6 && h < len(d); h++ {
		hi, ok1 := base62Canon(d[:h], 0xffffffff)
		lo, ok2 := base62Canon(d[h:], ^uint64(0))
		if ok1 && ok2 {
			binary.BigEndian.PutUint32(u[:4], uint32(hi))
			binary.BigEndian.PutUint64(u[4:], lo)
			return u, h, true
		}
	}
	return u, 0, false
}

// base62Canon parses canonical base62 digits (no leading zero unless the
// value is 0) of a value ≤ max.
func base62Canon(d []byte, max uint64) (uint64, bool) {
	if len(d) == 0 || len(d) > 11 || len(d) > 1 && d[0] == '0' {
		return 0, false
	}
	var x uint64
	for _, c := range d {
		dv := uint64(base62Val[c])
		if x > (max-dv)/62 {
			return 0, false
		}
		x = x*62 + dv
	}
	return x, true
}
