package logger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"sync"

	"xsensor/analyzer/communityid"
	"xsensor/analyzer/uid"
	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/wire"
)

// FormatConnColumns is the bit a worker sets in a LogBatch's Format
// when the Body is a conn.log TSV batch in columnar layout (see
// cluster/ship's ConnEncoder, which defines the same bit); the low bits
// still hold the zeeklog.Format (TSV).
const FormatConnColumns uint8 = 0x80

// connColumnsVersion is the only columnar layout this decoder reads.
const connColumnsVersion = 2

// Column kinds; the table and codes mirror cluster/ship/codec.go.
const (
	kTime = iota
	kUID
	kAddr
	kCount
	kInterval
	kDict
	kCID
	kPort
	kIPBytes
)

var connKinds = [...]uint8{
	kTime, kUID, kAddr, kPort, kAddr, kPort, kDict, kDict, kInterval, kCount, kCount,
	kDict, kDict, kDict, kCount, kDict, kCount, kIPBytes, kCount, kIPBytes, kDict, kCount, kCID,
}

const (
	nConnFields                              = len(connKinds)
	fOrigH, fOrigP, fRespH, fRespP, fIPProto = 2, 3, 4, 5, 21
	fProto                                   = 6
	sUIDBytes                                = nConnFields
	sOrigV4                                  = nConnFields + 1
	sOrigV6                                  = nConnFields + 2
	sRespV4                                  = nConnFields + 3
	sRespV6                                  = nConnFields + 4
	sOrigPort                                = nConnFields + 5
	sRespPort                                = nConnFields + 6
	sUIDCounter                              = nConnFields + 7
	nStreams                                 = nConnFields + 8
)

const (
	codeUnset = 0
	codeRaw   = 1
	tagUnset  = 0
	tagRaw    = 1
	tagUID    = 2
	tagKeyed  = 8
	maxKeys   = 64
	// flagDurPlain mirrors cluster/ship's: plain duration column.
	flagDurPlain = 1
	tagV4        = 4
	tagV6        = 6
	cidSame      = 0
	cidRaw       = 1
	cidProto0    = 2
	codePort     = 2
	maxDict      = 1 << 12
)

// ErrConnColumns is wrapped by every error decoding a columnar batch.
var ErrConnColumns = errors.New("malformed conn.log columnar batch")

// ConnDecoder turns a columnar conn.log batch back into the TSV records
// the worker encoded, byte for byte (community_id recomputed with
// analyzer/communityid when the worker left it out).
//
// A ConnDecoder reuses its buffers: it is not safe for concurrent use.
type ConnDecoder struct {
	streams [nStreams]colReader
	dicts   [nConnFields][][]byte
	planes  [nStreams][]byte // un-transposed byte-plane streams

	ciphers map[[16]byte]*uid.Cipher // by key, kept across batches
	table   []*uid.Cipher            // the batch's key table
	models  []counterModel           // per table entry
}

// cipher returns the (cached) uid.Cipher of key.
func (d *ConnDecoder) cipher(key [16]byte) *uid.Cipher {
	if c := d.ciphers[key]; c != nil {
		return c
	}
	if d.ciphers == nil || len(d.ciphers) >= 4*maxKeys {
		d.ciphers = make(map[[16]byte]*uid.Cipher)
	}
	c := uid.NewCipher(key)
	d.ciphers[key] = c
	return c
}

// planeWidth mirrors cluster/ship's: streams stored as byte planes.
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

// ipHeader and ipPrediction mirror cluster/ship's.
func ipHeader(proto []byte) uint64 {
	switch string(proto) {
	case "tcp":
		return 40
	case "udp", "icmp":
		return 28
	}
	return 20
}

// endPrediction mirrors cluster/ship's: the duration that makes a
// record end when the previous one did.
func endPrediction(prevEnd uint64, ts int64, haveTS bool) uint64 {
	if !haveTS || prevEnd == 0 {
		return 0
	}
	return prevEnd - uint64(ts)
}

func ipPrediction(i int, proto []byte, nums [nConnFields]uint64, have [nConnFields]bool) uint64 {
	by, pk := 9, 16
	if i == 19 {
		by, pk = 10, 18
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

type colReader struct {
	b   []byte
	bad bool
}

func (r *colReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *colReader) take(n uint64) []byte {
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		r.b = nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *colReader) byte1() byte {
	if v := r.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *colReader) raw() []byte { return r.take(r.uvarint()) }

// Decode appends the records of the columnar body to dst and returns
// them with their count. On error dst is returned unchanged. It never
// panics; it does not allocate once its buffers have grown.
func (d *ConnDecoder) Decode(dst, body []byte) ([]byte, int, error) {
	out, n, err := d.decode(dst, body)
	if err != nil {
		return dst, 0, fmt.Errorf("%w: %s", ErrConnColumns, err)
	}
	return out, n, nil
}

func (d *ConnDecoder) decode(dst, body []byte) ([]byte, int, error) {
	hdr := colReader{b: body}
	if hdr.byte1() != connColumnsVersion {
		return dst, 0, errors.New("unknown version")
	}
	flags := hdr.byte1()
	if flags&^flagDurPlain != 0 {
		return dst, 0, errors.New("unknown flags")
	}
	durPlain := flags&flagDurPlain != 0
	nkeys := hdr.uvarint()
	if nkeys > maxKeys {
		return dst, 0, errors.New("too many uid keys")
	}
	d.table = d.table[:0]
	for i := uint64(0); i < nkeys; i++ {
		k := hdr.take(16)
		if k == nil {
			return dst, 0, errors.New("short uid key table")
		}
		d.table = append(d.table, d.cipher([16]byte(k)))
		if len(d.table) > len(d.models) {
			d.models = append(d.models, counterModel{})
		}
		d.models[len(d.table)-1].reset()
	}
	count := hdr.uvarint()
	var lens [nStreams]uint64
	for i := range lens {
		lens[i] = hdr.uvarint()
	}
	for i := range d.streams {
		s := hdr.take(lens[i])
		if w := planeWidth(i); w > 0 && len(s) > 0 {
			if len(s)%w != 0 {
				return dst, 0, errors.New("bad byte-plane stream length")
			}
			p := append(d.planes[i][:0], s...)
			n := len(s) / w
			for j := 0; j < n; j++ {
				for k := 0; k < w; k++ {
					p[j*w+k] = s[k*n+j]
				}
			}
			d.planes[i], s = p, p
		}
		d.streams[i] = colReader{b: s}
	}
	if hdr.bad || len(hdr.b) != 0 {
		return dst, 0, errors.New("bad stream lengths")
	}
	// Each record takes at least one byte in the ts stream.
	if count > lens[0] {
		return dst, 0, errors.New("record count exceeds the data")
	}
	for i := range d.dicts {
		d.dicts[i] = d.dicts[i][:0]
	}
	b := dst
	var prevTS int64
	var prevEnd uint64
	for rec := uint64(0); rec < count; rec++ {
		var addrs [2]netip.Addr
		haveTS := false
		var nums [nConnFields]uint64
		var have [nConnFields]bool
		var proto []byte
		for i, k := range connKinds {
			if i > 0 {
				b = append(b, '\t')
			}
			s := &d.streams[i]
			switch k {
			case kTime:
				switch c := s.uvarint(); c {
				case codeUnset:
					b = append(b, '-')
				case codeRaw:
					b = append(b, s.raw()...)
				default:
					u := c - 2
					prevTS += int64(u>>1) ^ -int64(u&1)
					if prevTS < 0 {
						return dst, 0, errors.New("negative time")
					}
					b = appendFixed6(b, uint64(prevTS))
					haveTS = true
				}
			case kUID:
				switch tag := s.byte1(); {
				case tag >= tagKeyed:
					k := int(tag - tagKeyed)
					cs := &d.streams[sUIDCounter]
					z := cs.uvarint()
					if k >= len(d.table) || cs.bad {
						return dst, 0, errors.New("bad keyed uid")
					}
					m := &d.models[k]
					c := m.predict(prevTS, haveTS) + uint64(int64(z>>1)^-int64(z&1))
					m.add(prevTS, haveTS, c)
					u := d.table[k].UID(c)
					b = append(b, 'C')
					b = appendBase62(b, u.Hi)
					b = appendBase62(b, u.Lo)
				case tag == tagUID:
					u := d.streams[sUIDBytes].take(12)
					if u == nil {
						return dst, 0, errors.New("short uid stream")
					}
					b = append(b, 'C')
					b = appendBase62(b, uint64(binary.BigEndian.Uint32(u[:4])))
					b = appendBase62(b, binary.BigEndian.Uint64(u[4:]))
				case tag == tagRaw:
					b = append(b, s.raw()...)
				default:
					return dst, 0, errors.New("bad uid tag")
				}
			case kAddr:
				bs4, bs6 := &d.streams[sOrigV4], &d.streams[sOrigV6]
				if i == fRespH {
					bs4, bs6 = &d.streams[sRespV4], &d.streams[sRespV6]
				}
				bs := bs4
				var a netip.Addr
				switch s.byte1() {
				case tagUnset:
					b = append(b, '-')
				case tagRaw:
					b = append(b, s.raw()...)
				case tagV4:
					if v := bs.take(4); v != nil {
						a = netip.AddrFrom4([4]byte(v))
					}
				case tagV6:
					bs = bs6
					if v := bs.take(16); v != nil {
						a = netip.AddrFrom16([16]byte(v))
					}
				default:
					return dst, 0, errors.New("bad address tag")
				}
				if bs.bad {
					return dst, 0, errors.New("short address stream")
				}
				if a.IsValid() {
					b = a.AppendTo(b)
				}
				addrs[(i-fOrigH)/2] = a
			case kPort:
				switch s.byte1() {
				case codeUnset:
					b = append(b, '-')
				case codeRaw:
					b = append(b, s.raw()...)
				case codePort:
					ps := &d.streams[sOrigPort]
					if i == fRespP {
						ps = &d.streams[sRespPort]
					}
					v := ps.take(2)
					if v == nil {
						return dst, 0, errors.New("short port stream")
					}
					x := uint64(v[0])<<8 | uint64(v[1])
					b = strconv.AppendUint(b, x, 10)
					nums[i], have[i] = x, true
				default:
					return dst, 0, errors.New("bad port tag")
				}
			case kIPBytes:
				switch c := s.uvarint(); c {
				case codeUnset:
					b = append(b, '-')
				case codeRaw:
					b = append(b, s.raw()...)
				default:
					u := c - 2
					x := ipPrediction(i, proto, nums, have) + uint64(int64(u>>1)^-int64(u&1))
					b = strconv.AppendUint(b, x, 10)
				}
			case kCount, kInterval:
				switch c := s.uvarint(); c {
				case codeUnset:
					b = append(b, '-')
				case codeRaw:
					b = append(b, s.raw()...)
				default:
					x := c - 2
					if k == kCount {
						b = strconv.AppendUint(b, x, 10)
					} else {
						if !durPlain {
							x = endPrediction(prevEnd, prevTS, haveTS) + uint64(int64(x>>1)^-int64(x&1))
							if haveTS {
								prevEnd = uint64(prevTS) + x
							}
						}
						b = appendFixed6(b, x)
					}
					nums[i], have[i] = x, true
				}
			case kDict:
				idx := s.uvarint()
				dict := d.dicts[i]
				switch {
				case idx < uint64(len(dict)):
					b = append(b, dict[idx]...)
					if i == fProto {
						proto = dict[idx]
					}
				case idx == uint64(len(dict)) && idx < maxDict:
					v := s.raw()
					d.dicts[i] = append(dict, v)
					b = append(b, v...)
					if i == fProto {
						proto = v
					}
				default:
					return dst, 0, errors.New("bad dictionary index")
				}
			case kCID:
				switch c := s.byte1(); c {
				case cidSame, cidProto0:
					n := len(b)
					b = connCommunityID(b, addrs, nums, have, c == cidProto0)
					if len(b) == n {
						return dst, 0, errors.New("community_id cannot be recomputed")
					}
				case cidRaw:
					b = append(b, s.raw()...)
				default:
					return dst, 0, errors.New("bad community_id tag")
				}
			}
			if s.bad {
				return dst, 0, fmt.Errorf("field %d: short stream", i)
			}
		}
		b = append(b, '\n')
	}
	for i := range d.streams {
		if len(d.streams[i].b) != 0 {
			return dst, 0, fmt.Errorf("stream %d: trailing bytes", i)
		}
	}
	return b, int(count), nil
}

// appendFixed6 appends microseconds as "W.FFFFFF".
func appendFixed6(b []byte, us uint64) []byte {
	b = strconv.AppendUint(b, us/1e6, 10)
	f := us % 1e6
	return append(b, '.', byte('0'+f/1e5), byte('0'+f/1e4%10), byte('0'+f/1e3%10),
		byte('0'+f/100%10), byte('0'+f/10%10), byte('0'+f%10))
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func appendBase62(b []byte, v uint64) []byte {
	var tmp [11]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = base62[v%62]
		v /= 62
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}

// connCommunityID mirrors cluster/ship's: the Community ID (seed 0) from
// ip_proto, the addresses and the ports, or nothing.
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

var connDecoders = sync.Pool{New: func() any { return new(connDecoderBuf) }}

type connDecoderBuf struct {
	d   ConnDecoder
	out []byte
}

// writeConnColumns decodes a columnar batch and writes its records; a
// batch that does not decode is dropped and counted like any batch that
// cannot be written as it is.
func (w *Writer) writeConnColumns(path []byte, m *wire.Message) error {
	db := connDecoders.Get().(*connDecoderBuf)
	defer connDecoders.Put(db)
	out, n, err := db.d.Decode(db.out[:0], m.Body)
	if err != nil || uint32(n) != m.Count || zeeklog.Format(m.Format&^FormatConnColumns) != zeeklog.TSV {
		w.mu.Lock()
		w.drop(path, int(m.Count), "conn.log columnar batch does not decode")
		w.mu.Unlock()
		return nil
	}
	db.out = out
	return w.Write(path, zeeklog.TSV, out, n)
}
