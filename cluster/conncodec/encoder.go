package conncodec

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"

	"xsensor/analyzer/uid"
)

// Encoder turns a batch of conn.log TSV records into the columnar
// layout (see the package doc) that a Decoder turns back into the same
// bytes. Each field of the record has its own stream; see the k* kinds
// for each field's code. Any value that would not come back
// byte-identical is escaped and sent as its bytes; a batch that is not
// all well-formed conn.log records (field count, trailing newline) is
// not encoded at all.
//
// An Encoder reuses its buffers: it is not safe for concurrent use
// (cluster/ship keeps a pool).
type Encoder struct {
	streams [nStreams][]byte
	dicts   [nConnFields]map[string]uint32
	fields  [nConnFields][]byte
	cid     []byte
	// durPlain is the duration column as plain microseconds: sent
	// instead of the end-time coding when shorter (flagDurPlain).
	durPlain []byte

	keys    [][16]byte     // as last given to SetUIDKeys
	ciphers []*uid.Cipher  // one per key
	last    int            // index of the cipher that matched last
	slot    []int          // per cipher: index in the batch's key table + 1, or 0
	table   []int          // the batch's key table: cipher indices
	models  []counterModel // per table entry
}

// SetUIDKeys sets the uid keys the encoder tries on each uid (building
// a cipher per key when they changed since the last call).
func (e *Encoder) SetUIDKeys(keys [][16]byte) {
	if slices.Equal(keys, e.keys) {
		return
	}
	e.keys = append(e.keys[:0], keys...)
	e.ciphers = e.ciphers[:0]
	for _, k := range keys {
		e.ciphers = append(e.ciphers, uid.NewCipher(k))
	}
	e.slot = make([]int, len(keys))
	e.last = 0
}

// keyedText is keyed for the uid text v, trying each split of its
// digits between the high and low word that prints as v.
func (e *Encoder) keyedText(v []byte) (int, uint64, bool) {
	if len(e.ciphers) == 0 {
		return 0, 0, false
	}
	for h := 1; ; h++ {
		u, split, ok := parseUIDFrom(v, h)
		if !ok {
			return 0, 0, false
		}
		id := uid.UID{Hi: uint64(binary.BigEndian.Uint32(u[:4])), Lo: binary.BigEndian.Uint64(u[4:])}
		if k, c, ok := e.keyed(id); ok {
			return k, c, true
		}
		h = split
	}
}

// keyed returns the batch key-table index and counter of u when one of
// the keys maps it to a counter and the table has room.
func (e *Encoder) keyed(u uid.UID) (int, uint64, bool) {
	for j := range e.ciphers {
		ci := (e.last + j) % len(e.ciphers)
		c, ok := e.ciphers[ci].Counter(u)
		if !ok {
			continue
		}
		e.last = ci
		if e.slot[ci] == 0 {
			if len(e.table) >= maxKeys {
				return 0, 0, false
			}
			e.table = append(e.table, ci)
			if len(e.table) > len(e.models) {
				e.models = append(e.models, counterModel{})
			}
			e.models[len(e.table)-1].reset()
			e.slot[ci] = len(e.table)
		}
		return e.slot[ci] - 1, c, true
	}
	return 0, 0, false
}

// Encode appends the columnar form of records (whole conn.log TSV
// records, each ending in '\n') to dst. It returns dst unchanged and
// false when the batch should be sent as it is: not conn.log records,
// or not smaller encoded.
func (e *Encoder) Encode(dst, records []byte) ([]byte, bool) {
	if len(records) == 0 || records[len(records)-1] != '\n' {
		return dst, false
	}
	for i := range e.streams {
		e.streams[i] = e.streams[i][:0]
	}
	for i, k := range connKinds {
		if k == kDict {
			if e.dicts[i] == nil {
				e.dicts[i] = make(map[string]uint32)
			}
			clear(e.dicts[i])
		}
	}
	e.table = e.table[:0]
	clear(e.slot)
	var prevTS int64
	var prevEnd uint64 // ts+duration of the last record with both; 0 for none
	e.durPlain = e.durPlain[:0]
	n := 0
	for rest := records; len(rest) > 0; n++ {
		nl := bytes.IndexByte(rest, '\n')
		line := rest[:nl]
		rest = rest[nl+1:]
		if !e.split(line) {
			return dst, false
		}
		var addrs [2]netip.Addr
		var curTS int64
		haveTS := false
		var nums [nConnFields]uint64
		var have [nConnFields]bool
		for i, k := range connKinds {
			v := e.fields[i]
			s := &e.streams[i]
			switch k {
			case kTime:
				t, ok := parseFixed6(v)
				switch {
				case isUnset(v):
					*s = append(*s, codeUnset)
				case !ok:
					*s = appendRaw(append(*s, codeRaw), v)
				default:
					*s = binary.AppendUvarint(*s, zigzag(t-prevTS)+2)
					prevTS = t
					curTS, haveTS = t, true
				}
			case kUID:
				if u, ok := parseUID(v); ok {
					if k, c, ok := e.keyedText(v); ok {
						*s = append(*s, tagKeyed+uint8(k))
						cs := &e.streams[sUIDCounter]
						m := &e.models[k]
						*cs = binary.AppendUvarint(*cs, zigzag(int64(c-m.predict(curTS, haveTS))))
						m.add(curTS, haveTS, c)
						break
					}
					*s = append(*s, tagUID)
					e.streams[sUIDBytes] = append(e.streams[sUIDBytes], u[:]...)
				} else {
					*s = appendRaw(append(*s, tagRaw), v)
				}
			case kAddr:
				bs := sOrigV4
				if i == fRespH {
					bs = sRespV4
				}
				a, tag := parseAddr(v, e.cid[:0])
				switch tag {
				case tagV4:
					b := a.As4()
					e.streams[bs] = append(e.streams[bs], b[:]...)
				case tagV6:
					b := a.As16()
					e.streams[bs+1] = append(e.streams[bs+1], b[:]...)
				}
				*s = append(*s, tag)
				if tag == tagRaw {
					*s = appendRaw(*s, v)
				}
				if i == fOrigH {
					addrs[0] = a
				} else {
					addrs[1] = a
				}
			case kPort:
				x, ok := parseCount(v)
				switch {
				case isUnset(v):
					*s = append(*s, codeUnset)
				case !ok || x > 0xffff:
					*s = appendRaw(append(*s, codeRaw), v)
				default:
					*s = append(*s, codePort)
					ps := sOrigPort
					if i == fRespP {
						ps = sRespPort
					}
					e.streams[ps] = append(e.streams[ps], byte(x>>8), byte(x))
					nums[i], have[i] = x, true
				}
			case kIPBytes:
				x, ok := parseCount(v)
				pred := ipPrediction(i, e.fields[fProto], nums, have)
				z := zigzag(int64(x - pred))
				switch {
				case isUnset(v):
					*s = append(*s, codeUnset)
				case !ok || z > 1<<63:
					*s = appendRaw(append(*s, codeRaw), v)
				default:
					*s = binary.AppendUvarint(*s, z+2)
				}
			case kCount, kInterval:
				var x uint64
				var ok bool
				if k == kCount {
					x, ok = parseCount(v)
				} else {
					var t int64
					t, ok = parseFixed6(v)
					x = uint64(t)
				}
				var z uint64
				if k == kInterval {
					z = zigzag(int64(x - endPrediction(prevEnd, curTS, haveTS)))
				} else {
					z = x
				}
				if k == kInterval { // the alternative: plain microseconds
					switch {
					case isUnset(v):
						e.durPlain = append(e.durPlain, codeUnset)
					case !ok || x > 1<<63:
						e.durPlain = appendRaw(append(e.durPlain, codeRaw), v)
					default:
						e.durPlain = binary.AppendUvarint(e.durPlain, x+2)
					}
				}
				switch {
				case isUnset(v):
					*s = append(*s, codeUnset)
				case !ok || x > 1<<63 || z > 1<<63:
					*s = appendRaw(append(*s, codeRaw), v)
				default:
					*s = binary.AppendUvarint(*s, z+2)
					nums[i], have[i] = x, true
					if k == kInterval && haveTS {
						prevEnd = uint64(curTS) + x
					}
				}
			case kDict:
				d := e.dicts[i]
				idx, ok := d[string(v)]
				switch {
				case ok:
					*s = binary.AppendUvarint(*s, uint64(idx))
				case len(d) >= maxDict:
					return dst, false
				default:
					idx = uint32(len(d))
					d[string(v)] = idx
					*s = appendRaw(binary.AppendUvarint(*s, uint64(idx)), v)
				}
			case kCID:
				e.cid = connCommunityID(e.cid[:0], addrs, nums, have, false)
				if len(e.cid) > 0 && bytes.Equal(e.cid, v) {
					*s = append(*s, cidSame)
					break
				}
				e.cid = connCommunityID(e.cid[:0], addrs, nums, have, true)
				if len(e.cid) > 0 && bytes.Equal(e.cid, v) {
					*s = append(*s, cidProto0)
				} else {
					*s = appendRaw(append(*s, cidRaw), v)
				}
			}
		}
	}
	var flags uint8
	if len(e.durPlain) < len(e.streams[fDuration]) {
		flags |= flagDurPlain
		e.streams[fDuration], e.durPlain = e.durPlain, e.streams[fDuration]
	}
	out := append(dst, Version, flags)
	out = binary.AppendUvarint(out, uint64(len(e.table)))
	for _, ci := range e.table {
		out = append(out, e.keys[ci][:]...)
	}
	out = binary.AppendUvarint(out, uint64(n))
	total := 0
	for i := range e.streams {
		out = binary.AppendUvarint(out, uint64(len(e.streams[i])))
		total += len(e.streams[i])
	}
	if len(out)-len(dst)+total >= len(records) {
		return dst, false
	}
	for i := range e.streams {
		if w := planeWidth(i); w > 0 {
			out = appendPlanes(out, e.streams[i], w)
		} else {
			out = append(out, e.streams[i]...)
		}
	}
	return out, true
}

// appendPlanes appends the values of width w in s as w byte planes.
func appendPlanes(out, s []byte, w int) []byte {
	n := len(s) / w
	for p := 0; p < w; p++ {
		for j := 0; j < n; j++ {
			out = append(out, s[j*w+p])
		}
	}
	return out
}

// split cuts line into its tab-separated fields; false when there are
// not exactly nConnFields.
func (e *Encoder) split(line []byte) bool {
	for i := 0; i < nConnFields-1; i++ {
		t := bytes.IndexByte(line, '\t')
		if t < 0 {
			return false
		}
		e.fields[i] = line[:t]
		line = line[t+1:]
	}
	if bytes.IndexByte(line, '\t') >= 0 {
		return false
	}
	e.fields[nConnFields-1] = line
	return true
}

func appendRaw(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}
