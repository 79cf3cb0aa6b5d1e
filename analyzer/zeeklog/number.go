package zeeklog

import (
	"math"
	"strconv"
)

// zeekTime converts nanoseconds since the epoch to the double Zeek uses
// for network time: libpcap's microsecond timeval, tv_sec + tv_usec/1e6.
// Sub-microsecond digits are truncated as libpcap does when it opens a
// nanosecond capture at microsecond precision.
func zeekTime(ns int64) float64 {
	sec := ns / 1e9
	rem := ns % 1e9
	if rem < 0 {
		sec--
		rem += 1e9
	}
	return float64(sec) + float64(rem/1000)/1e6
}

// appendModp6 appends v as Zeek's modp_dtoa(v, buf, 6) does: the TSV
// rendering of time and interval values. It keeps modp's rounding rules
// (including its odd tie-breaking) and its switch to %e above 2^31-1.
func appendModp6(b []byte, v float64) []byte {
	if v != v {
		return append(b, "nan"...)
	}
	neg := v < 0
	if neg {
		v = -v
	}
	const thresMax = float64(0x7FFFFFFF)
	if v > thresMax {
		if neg {
			b = append(b, '-')
		}
		if math.IsInf(v, 0) {
			return append(b, "inf"...)
		}
		return strconv.AppendFloat(b, v, 'e', 6, 64)
	}
	whole := int64(v)
	tmp := (v - float64(whole)) * 1e6
	frac := uint32(tmp)
	diff := tmp - float64(frac)
	if diff > 0.5 {
		frac++
		if frac >= 1000000 {
			frac = 0
			whole++
		}
	} else if diff == 0.5 && (frac == 0 || frac&1 != 0) {
		frac++
	}
	if neg {
		b = append(b, '-')
	}
	b = strconv.AppendInt(b, whole, 10)
	b = append(b, '.')
	var d [10]byte
	n := 0
	for {
		d[n] = byte('0' + frac%10)
		n++
		frac /= 10
		if frac == 0 {
			break
		}
	}
	for n < 6 {
		d[n] = '0'
		n++
	}
	for n > 0 {
		n--
		b = append(b, d[n])
	}
	return b
}

// appendTSVDouble appends v as Zeek's Ascii formatter writes a double:
// up to 6 decimals without trailing zeros or exponent, and ".0" after a
// value that is (nearly) integral.
func appendTSVDouble(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "nan"...)
	case math.IsInf(v, 1):
		return append(b, "inf"...)
	case math.IsInf(v, -1):
		return append(b, "-inf"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', 6, 64)
	// Strip trailing zeros of the fraction, and the point if nothing is left.
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	if math.Abs(v-math.RoundToEven(v)) < 1e-9 {
		b = append(b, ".0"...)
	}
	return b
}

// appendJSONDouble appends v as rapidjson's Writer::Double (Zeek's JSON
// formatter) does: shortest round-trip digits, plain notation for decimal
// exponents in [-6, 21), ".0" after integral values, and an exponent
// without "+" or leading zeros otherwise. NaN and infinities are null.
func appendJSONDouble(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	if v == 0 {
		if math.Signbit(v) {
			b = append(b, '-')
		}
		return append(b, "0.0"...)
	}
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], v, 'e', -1, 64)
	var digits [24]byte
	nd, i := 0, 0
	for ; i < len(s) && s[i] != 'e'; i++ {
		if s[i] != '.' {
			digits[nd] = s[i]
			nd++
		}
	}
	exp := 0
	neg := false
	for i++; i < len(s); i++ {
		switch c := s[i]; {
		case c == '-':
			neg = true
		case c >= '0' && c <= '9':
			exp = exp*10 + int(c-'0')
		}
	}
	if neg {
		exp = -exp
	}
	kk := exp + 1 // 10^(kk-1) <= v < 10^kk
	k := kk - nd
	switch {
	case k >= 0 && kk <= 21:
		b = append(b, digits[:nd]...)
		for j := 0; j < k; j++ {
			b = append(b, '0')
		}
		return append(b, '.', '0')
	case kk > 0 && kk <= 21:
		b = append(b, digits[:kk]...)
		b = append(b, '.')
		return append(b, digits[kk:nd]...)
	case kk > -6 && kk <= 0:
		b = append(b, '0', '.')
		for j := 0; j < -kk; j++ {
			b = append(b, '0')
		}
		return append(b, digits[:nd]...)
	case nd == 1:
		b = append(b, digits[0], 'e')
		return appendExp(b, kk-1)
	default:
		b = append(b, digits[0], '.')
		b = append(b, digits[1:nd]...)
		b = append(b, 'e')
		return appendExp(b, kk-1)
	}
}

// appendExp writes a decimal exponent as rapidjson's WriteExponent does.
func appendExp(b []byte, k int) []byte {
	if k < 0 {
		b = append(b, '-')
		k = -k
	}
	return strconv.AppendInt(b, int64(k), 10)
}
