package zeeklog

import (
	"net/netip"
	"strconv"

	"xsensor/analyzer/uid"
)

// Zeek's Ascii writer defaults.
const (
	separator    = '\t'
	setSeparator = ','
	emptyField   = "(empty)"
	unsetField   = "-"
)

// Encoder appends records of one schema to caller-owned buffers, in TSV
// or JSON. A record is Begin, one call per field in schema order, End.
// Every method takes the buffer and returns it extended, like append; none
// allocates once the buffer has room.
//
// An Encoder holds per-record state: one per worker per stream. It is not
// safe for concurrent use.
type Encoder struct {
	schema *Schema
	format Format
	keys   []string // JSON: `"name":` per field

	field    int  // index of the next field
	wroteKey bool // JSON: a key/value pair is in the current record
	start    int  // offset of the current record in the buffer
	setItems int  // items written in the current set or vector
}

// NewEncoder returns an encoder for records of s in format f.
func NewEncoder(s *Schema, f Format) *Encoder {
	e := &Encoder{schema: s, format: f}
	if f == JSON {
		e.keys = make([]string, len(s.Fields))
		for i, fl := range s.Fields {
			e.keys[i] = string(appendJSONString(nil, fl.Name)) + ":"
		}
	}
	return e
}

// Schema returns the schema e encodes.
func (e *Encoder) Schema() *Schema { return e.schema }

// Format returns the format e writes.
func (e *Encoder) Format() Format { return e.format }

// Begin starts a record.
func (e *Encoder) Begin(buf []byte) []byte {
	e.field = 0
	e.wroteKey = false
	e.start = len(buf)
	if e.format == JSON {
		buf = append(buf, '{')
	}
	return buf
}

// End finishes a record: a newline in TSV, the closing brace and a newline
// in JSON. As Zeek does, a TSV record that would start with '#' (and so
// read as a header line) gets that character escaped.
func (e *Encoder) End(buf []byte) []byte {
	if e.format == JSON {
		return append(buf, '}', '\n')
	}
	if e.start < len(buf) && buf[e.start] == '#' {
		n := len(buf)
		buf = append(buf, 0, 0, 0)
		copy(buf[e.start+4:], buf[e.start+1:n])
		copy(buf[e.start:], `\x23`)
	}
	return append(buf, '\n')
}

// next writes what precedes a present value: the separator in TSV, the
// comma and key in JSON.
func (e *Encoder) next(buf []byte) []byte {
	i := e.field
	e.field++
	if e.format == TSV {
		if i > 0 {
			buf = append(buf, separator)
		}
		return buf
	}
	if e.wroteKey {
		buf = append(buf, ',')
	}
	e.wroteKey = true
	if i < len(e.keys) {
		return append(buf, e.keys[i]...)
	}
	return append(buf, `"_":`...) // more values than fields: a caller bug
}

// Unset writes an unset (&optional) field: "-" in TSV, nothing in JSON.
func (e *Encoder) Unset(buf []byte) []byte {
	if e.format == JSON {
		e.field++
		return buf
	}
	buf = e.next(buf)
	return append(buf, unsetField...)
}

func (e *Encoder) double(buf []byte, v float64, tsvFixed bool) []byte {
	if e.format == JSON {
		return appendJSONDouble(buf, v)
	}
	if tsvFixed {
		return appendModp6(buf, v)
	}
	return appendTSVDouble(buf, v)
}

// Time writes a time given in nanoseconds since the epoch, at Zeek's
// microsecond resolution.
func (e *Encoder) Time(buf []byte, ns int64) []byte {
	buf = e.next(buf)
	return e.double(buf, zeekTime(ns), true)
}

// Interval writes a duration given in nanoseconds.
func (e *Encoder) Interval(buf []byte, ns int64) []byte {
	buf = e.next(buf)
	return e.double(buf, float64(ns)/1e9, true)
}

// IntervalBetween writes the interval from one time to another (both in
// nanoseconds since the epoch) computed as Zeek computes a connection's
// duration: the difference of the two times as doubles. In JSON this keeps
// Zeek's digits (e.g. 3.1578309535980225 rather than 3.157831).
func (e *Encoder) IntervalBetween(buf []byte, fromNS, toNS int64) []byte {
	buf = e.next(buf)
	return e.double(buf, zeekTime(toNS)-zeekTime(fromNS), true)
}

// String writes a string value.
func (e *Encoder) String(buf []byte, s string) []byte {
	buf = e.next(buf)
	if e.format == JSON {
		return appendJSONString(buf, s)
	}
	return appendTSVString(buf, s, false)
}

// StringBytes writes a string value held in a byte slice.
func (e *Encoder) StringBytes(buf []byte, s []byte) []byte {
	buf = e.next(buf)
	if e.format == JSON {
		return appendJSONString(buf, s)
	}
	return appendTSVString(buf, s, false)
}

// Enum writes an enum value by name (e.g. "tcp").
func (e *Encoder) Enum(buf []byte, s string) []byte { return e.String(buf, s) }

// Addr writes an address. The zero Addr is written as unset.
func (e *Encoder) Addr(buf []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return e.Unset(buf)
	}
	buf = e.next(buf)
	if e.format == JSON {
		buf = append(buf, '"')
		buf = appendAddr(buf, a)
		return append(buf, '"')
	}
	return appendAddr(buf, a)
}

// Subnet writes a subnet ("10.0.0.0/8"). The zero Prefix is written as unset.
func (e *Encoder) Subnet(buf []byte, p netip.Prefix) []byte {
	if !p.IsValid() {
		return e.Unset(buf)
	}
	buf = e.next(buf)
	if e.format == JSON {
		buf = append(buf, '"')
	}
	buf = appendAddr(buf, p.Masked().Addr())
	buf = append(buf, '/')
	buf = strconv.AppendInt(buf, int64(p.Bits()), 10)
	if e.format == JSON {
		buf = append(buf, '"')
	}
	return buf
}

// Port writes a port number (without the protocol, as Zeek logs it).
func (e *Encoder) Port(buf []byte, p uint16) []byte {
	buf = e.next(buf)
	return strconv.AppendUint(buf, uint64(p), 10)
}

// Count writes an unsigned count.
func (e *Encoder) Count(buf []byte, v uint64) []byte {
	buf = e.next(buf)
	return strconv.AppendUint(buf, v, 10)
}

// Int writes a signed integer.
func (e *Encoder) Int(buf []byte, v int64) []byte {
	buf = e.next(buf)
	return strconv.AppendInt(buf, v, 10)
}

// Double writes a double.
func (e *Encoder) Double(buf []byte, v float64) []byte {
	buf = e.next(buf)
	return e.double(buf, v, false)
}

// Bool writes T/F in TSV, true/false in JSON.
func (e *Encoder) Bool(buf []byte, v bool) []byte {
	buf = e.next(buf)
	switch {
	case e.format == JSON && v:
		return append(buf, "true"...)
	case e.format == JSON:
		return append(buf, "false"...)
	case v:
		return append(buf, 'T')
	default:
		return append(buf, 'F')
	}
}

// UID writes a unique identifier as a string: prefix followed by base62.
func (e *Encoder) UID(buf []byte, u uid.UID, prefix byte) []byte {
	buf = e.next(buf)
	if e.format == JSON {
		buf = append(buf, '"')
		buf = u.Append(buf, prefix)
		return append(buf, '"')
	}
	return u.Append(buf, prefix)
}

// SetBegin starts a set or vector field; follow it with SetItem* calls and
// SetEnd. An empty set is written "(empty)" in TSV and [] in JSON; write
// an unset one with Unset instead.
func (e *Encoder) SetBegin(buf []byte) []byte {
	buf = e.next(buf)
	e.setItems = 0
	if e.format == JSON {
		buf = append(buf, '[')
	}
	return buf
}

func (e *Encoder) item(buf []byte) []byte {
	if e.setItems > 0 {
		buf = append(buf, setSeparator) // ',' in both formats
	}
	e.setItems++
	return buf
}

// SetItem writes a string or enum element.
func (e *Encoder) SetItem(buf []byte, s string) []byte {
	buf = e.item(buf)
	if e.format == JSON {
		return appendJSONString(buf, s)
	}
	return appendTSVString(buf, s, true)
}

// SetItemBytes writes a string element held in a byte slice.
func (e *Encoder) SetItemBytes(buf []byte, s []byte) []byte {
	buf = e.item(buf)
	if e.format == JSON {
		return appendJSONString(buf, s)
	}
	return appendTSVString(buf, s, true)
}

// SetItemUID writes a uid element.
func (e *Encoder) SetItemUID(buf []byte, u uid.UID, prefix byte) []byte {
	buf = e.item(buf)
	if e.format == JSON {
		buf = append(buf, '"')
		buf = u.Append(buf, prefix)
		return append(buf, '"')
	}
	return u.Append(buf, prefix)
}

// SetItemAddr writes an address element.
func (e *Encoder) SetItemAddr(buf []byte, a netip.Addr) []byte {
	buf = e.item(buf)
	if e.format == JSON {
		buf = append(buf, '"')
		buf = appendAddr(buf, a)
		return append(buf, '"')
	}
	return appendAddr(buf, a)
}

// SetItemCount writes a count (or port) element.
func (e *Encoder) SetItemCount(buf []byte, v uint64) []byte {
	buf = e.item(buf)
	return strconv.AppendUint(buf, v, 10)
}

// SetItemInterval writes an interval element given in nanoseconds.
func (e *Encoder) SetItemInterval(buf []byte, ns int64) []byte {
	buf = e.item(buf)
	return e.double(buf, float64(ns)/1e9, true)
}

// SetEnd finishes a set or vector field.
func (e *Encoder) SetEnd(buf []byte) []byte {
	if e.format == JSON {
		return append(buf, ']')
	}
	if e.setItems == 0 {
		buf = append(buf, emptyField...)
	}
	return buf
}

// SetStrings writes a whole set or vector of strings.
func (e *Encoder) SetStrings(buf []byte, ss []string) []byte {
	buf = e.SetBegin(buf)
	for _, s := range ss {
		buf = e.SetItem(buf, s)
	}
	return e.SetEnd(buf)
}

// SetUIDs writes a whole set of uids (e.g. tunnel_parents).
func (e *Encoder) SetUIDs(buf []byte, us []uid.UID, prefix byte) []byte {
	buf = e.SetBegin(buf)
	for _, u := range us {
		buf = e.SetItemUID(buf, u, prefix)
	}
	return e.SetEnd(buf)
}
