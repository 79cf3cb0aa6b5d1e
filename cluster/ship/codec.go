package ship

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
	"sync"

	"xsensor/analyzer/communityid"
	"xsensor/analyzer/uid"
	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/wire"
)

// FormatConnColumns is the bit set in a LogBatch's Format when its Body
// is a conn.log TSV batch in the columnar layout of ConnEncoder rather
// than the records themselves. A logger that does not know the bit sees
// a format above zeeklog.JSON and drops the batch (counted), so an old
// logger never writes a columnar body as text. cluster/logger defines
// the same bit and decodes it.
const FormatConnColumns uint8 = 0x80

// connColumnsVersion is the first byte of a columnar body.
const connColumnsVersion = 2

// Column kinds of the conn.log fields (zeeklog.Conn, in order).
const (
	kTime     = iota // fixed-point microseconds, delta from the previous record
	kUID             // 'C' + base62 of 96 bits → 12 raw bytes
	kAddr            // binary v4/v6
	kCount           // decimal → uvarint
	kInterval        // duration: fixed-point microseconds, coded as the change of ts+duration (the end time) from the previous record's
	kDict            // per-batch dictionary
	kCID             // community_id: omitted when recomputable
	kPort            // tag, then 2 bytes in a byte-plane stream
	kIPBytes         // count predicted from bytes, packets and proto
)

// connKinds is the layout version 1 of a batch: one entry per field of
// zeeklog.Conn. cluster/logger holds the same table.
var connKinds = [...]uint8{
	kTime,     // ts
	kUID,      // uid
	kAddr,     // id.orig_h
	kPort,     // id.orig_p
	kAddr,     // id.resp_h
	kPort,     // id.resp_p
	kDict,     // proto
	kDict,     // service
	kInterval, // duration
	kCount,    // orig_bytes
	kCount,    // resp_bytes
	kDict,     // conn_state
	kDict,     // local_orig
	kDict,     // local_resp
	kCount,    // missed_bytes
	kDict,     // history
	kCount,    // orig_pkts
	kIPBytes,  // orig_ip_bytes
	kCount,    // resp_pkts
	kIPBytes,  // resp_ip_bytes
	kDict,     // tunnel_parents
	kCount,    // ip_proto
	kCID,      // community_id
}

const (
	nConnFields = len(connKinds)
	// Field indices the community_id is recomputed from.
	fOrigH, fOrigP, fRespH, fRespP, fIPProto = 2, 3, 4, 5, 21
	fProto                                   = 6
	fDuration                                = 8
	// Streams: one per field, then the fixed-size bytes of the uid, the
	// addresses (v4 and v6 apart) and the ports, the last four stored as
	// byte planes (all first bytes, then all second bytes, …).
	sUIDBytes = nConnFields
	sOrigV4   = nConnFields + 1
	sOrigV6   = nConnFields + 2
	sRespV4   = nConnFields + 3
	sRespV6   = nConnFields + 4
	sOrigPort = nConnFields + 5
	sRespPort = nConnFields + 6
	// sUIDCounter holds, per uid sent by key, its counter as the
	// zigzag difference from counterModel's prediction.
	sUIDCounter = nConnFields + 7
	nStreams    = nConnFields + 8
)

// planeWidth is the value width of a stream stored as byte planes.
func planeWidth(s int) int {
	switch s {
	case sOrigV4, sRespV4:
		return 4
	case sOrigV6, sRespV6:
		return 16
	case sOrigPort, sRespPort:
		return 2
	}
	return 0
}

// ipHeader is the per-packet overhead ip_bytes is predicted with.
func ipHeader(proto []byte) uint64 {
	switch string(proto) {
	case "tcp":
		return 40
	case "udp", "icmp":
		return 28
	}
	return 20
}

// Value codes shared by the time, count and interval columns: a uvarint
// v+2 is the value v; 0 is Zeek's unset "-"; 1 is an escape, followed by
// the field's bytes (uvarint length, bytes). The uid and address columns
// use tag bytes: tagRaw (escape, inline bytes follow), tagOK / 4 / 6.
const (
	codeUnset = 0
	codeRaw   = 1
	tagUnset  = 0
	tagRaw    = 1
	tagUID    = 2
	tagKeyed  = 8  // + key index: the uid is that key's permutation of a counter
	maxKeys   = 64 // keys per batch
	// flagDurPlain in the flags byte: the duration column is plain
	// microseconds (uvarint v+2), not the change of the end time.
	flagDurPlain = 1
	codePort     = 2 // port: the value is in the port stream
	tagV4        = 4
	tagV6        = 6
	cidSame      = 0 // community_id equals the recomputation
	cidRaw       = 1
	cidProto0    = 2       // equals the recomputation with protocol 0 (unknown transport)
	maxDict      = 1 << 12 // entries per dictionary column per batch
)

// ConnEncoder turns a batch of conn.log TSV records into the columnar
// layout that cluster/logger's ConnDecoder turns back into the same
// bytes. Layout (version 2): version u8 | flags u8 | keys uvarint | keys × 16 bytes
// | records uvarint | nStreams × (length uvarint) | the streams. A uid
// that one of the encoder's uid keys (SetUIDKeys: the keys of the
// workers' analyzer/uid Generators) maps to a counter is sent as the
// key's index in the batch's key table and the counter, delta-coded per
// key (see counterModel); the decoder recomputes it with uid.Cipher. Each field of the record has its own
// stream (values of all records contiguous), so the zstd stream of the
// wire sees like next to like; see the k* kinds for each field's code.
// Any value that would not come back byte-identical is escaped and sent
// as its bytes; a batch that is not all well-formed conn.log records
// (field count, trailing newline) is not encoded at all.
//
// A ConnEncoder reuses its buffers: it is not safe for concurrent use
// (a Shipper keeps a pool).
type ConnEncoder struct {
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
func (e *ConnEncoder) SetUIDKeys(keys [][16]byte) {
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
func (e *ConnEncoder) keyedText(v []byte) (int, uint64, bool) {
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
func (e *ConnEncoder) keyed(u uid.UID) (int, uint64, bool) {
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
func (e *ConnEncoder) Encode(dst, records []byte) ([]byte, bool) {
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
	out := append(dst, connColumnsVersion, flags)
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

// split cuts line into its tab-separated fields; false when there are
// not exactly nConnFields.
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

// endPrediction predicts a duration as the one that makes the record
// end (ts+duration) when the previous one did: records are written as
// connections end. Arithmetic is modulo 2^64 (cluster/logger mirrors it).
func endPrediction(prevEnd uint64, ts int64, haveTS bool) uint64 {
	if !haveTS || prevEnd == 0 {
		return 0
	}
	return prevEnd - uint64(ts)
}

// ipPrediction predicts the ip_bytes field i (orig_ip_bytes or
// resp_ip_bytes) from the payload bytes and packets of its side:
// bytes + packets × a header size for the transport. The value is sent
// as the difference; cluster/logger predicts the same.
func ipPrediction(i int, proto []byte, nums [nConnFields]uint64, have [nConnFields]bool) uint64 {
	by, pk := 9, 16 // orig_bytes, orig_pkts
	if i == 19 {
		by, pk = 10, 18 // resp_bytes, resp_pkts
	}
	var p uint64
	if have[by] {
		p = nums[by]
	}
	if have[pk] {
		p += nums[pk] * ipHeader(proto)
	}
	return p
}

func (e *ConnEncoder) split(line []byte) bool {
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

func isUnset(v []byte) bool { return len(v) == 1 && v[0] == '-' }

func appendRaw(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

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

// connCommunityID appends the Community ID (seed 0) of a record from its
// decoded ip_proto (or 0 when proto0, as a worker does for an unknown
// transport), addresses and ports, or nothing when one of them is
// missing or out of range. cluster/logger computes it the same way.
func connCommunityID(dst []byte, addrs [2]netip.Addr, nums [nConnFields]uint64, have [nConnFields]bool, proto0 bool) []byte {
	if !addrs[0].IsValid() || !addrs[1].IsValid() || !have[fOrigP] || !have[fRespP] || !have[fIPProto] ||
		nums[fOrigP] > 0xffff || nums[fRespP] > 0xffff || nums[fIPProto] > 0xff {
		return dst
	}
	proto := uint8(nums[fIPProto])
	if proto0 {
		proto = 0
	}
	return communityid.Append(dst, 0, proto, addrs[0], addrs[1], uint16(nums[fOrigP]), uint16(nums[fRespP]))
}

// connBatch is a pooled encoder and its output buffer.
type connBatch struct {
	e   ConnEncoder
	out []byte
}

var connBatches = sync.Pool{New: func() any { return new(connBatch) }}

// encodeConnBatch replaces the Body of a conn.log TSV batch by its
// columnar form and sets FormatConnColumns, when that is smaller. The
// returned buffer holds the Body until releaseConnBatch (call it once
// the Sender has copied the message); nil when m is left as it is.
func encodeConnBatch(m *wire.Message, keys [][16]byte) *connBatch {
	if string(m.Path) != "conn" || zeeklog.Format(m.Format) != zeeklog.TSV {
		return nil
	}
	cb := connBatches.Get().(*connBatch)
	cb.e.SetUIDKeys(keys)
	out, ok := cb.e.Encode(cb.out[:0], m.Body)
	if !ok {
		connBatches.Put(cb)
		return nil
	}
	cb.out = out
	m.Body = out
	m.Format |= FormatConnColumns
	return cb
}

func releaseConnBatch(cb *connBatch) {
	if cb != nil {
		connBatches.Put(cb)
	}
}
