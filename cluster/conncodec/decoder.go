package conncodec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"xsensor/analyzer/uid"
)

// ErrMalformed is wrapped by every error decoding a columnar batch.
var ErrMalformed = errors.New("malformed conn.log columnar batch")

// Decoder turns a columnar conn.log batch back into the TSV records
// the Encoder was given, byte for byte (community_id recomputed with
// analyzer/communityid when the encoder left it out, uids sent by key
// recomputed with uid.Cipher).
//
// A Decoder reuses its buffers: it is not safe for concurrent use
// (cluster/logger keeps a pool).
type Decoder struct {
	streams [nStreams]colReader
	dicts   [nConnFields][][]byte
	planes  [nStreams][]byte // un-transposed byte-plane streams

	ciphers map[[16]byte]*uid.Cipher // by key, kept across batches
	table   []*uid.Cipher            // the batch's key table
	models  []counterModel           // per table entry
}

// cipher returns the (cached) uid.Cipher of key.
func (d *Decoder) cipher(key [16]byte) *uid.Cipher {
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

// colReader reads one stream of a batch; a read past its end marks it
// bad and empties it, so later reads fail too.
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
func (d *Decoder) Decode(dst, body []byte) ([]byte, int, error) {
	out, n, err := d.decode(dst, body)
	if err != nil {
		return dst, 0, fmt.Errorf("%w: %s", ErrMalformed, err)
	}
	return out, n, nil
}

func (d *Decoder) decode(dst, body []byte) ([]byte, int, error) {
	hdr := colReader{b: body}
	if hdr.byte1() != Version {
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
					prevTS += unzigzag(c - 2)
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
					c := m.predict(prevTS, haveTS) + uint64(unzigzag(z))
					m.add(prevTS, haveTS, c)
					b = d.table[k].UID(c).Append(b, 'C')
				case tag == tagUID:
					u := d.streams[sUIDBytes].take(12)
					if u == nil {
						return dst, 0, errors.New("short uid stream")
					}
					b = uid.UID{Hi: uint64(binary.BigEndian.Uint32(u[:4])), Lo: binary.BigEndian.Uint64(u[4:])}.Append(b, 'C')
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
					x := ipPrediction(i, proto, nums, have) + uint64(unzigzag(c-2))
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
							x = endPrediction(prevEnd, prevTS, haveTS) + uint64(unzigzag(x))
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
