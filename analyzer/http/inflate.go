package http

// inflater measures the decompressed size of a gzip, zlib or raw DEFLATE
// body fed in pieces, as Zeek's ZIP analyzer does for Content-Encoding
// gzip and deflate. It decodes the Huffman codes but keeps no window: a
// back-reference only adds its length, so nothing of the body is stored.
// Decoding is resumable at any byte: an incomplete step is rolled back and
// its bytes carried to the next call (a few hundred bytes at most).
type inflater struct {
	wrap   uint8
	st     uint8
	out    uint64
	failed bool

	bits  uint64 // bit accumulator (LSB first)
	nbits uint

	final   bool
	stored  int // bytes left in a stored block
	skip    int // gzip FEXTRA bytes left
	gzFlags byte

	lit, dist huff
	carry     []byte
	scratch   []byte
}

const (
	wrapGzipAuto    uint8 = iota // Content-Encoding gzip: a gzip or zlib stream
	wrapDeflateAuto              // Content-Encoding deflate: zlib, else raw DEFLATE
)

const (
	stStart uint8 = iota
	stGzipExtraLen
	stGzipExtra
	stGzipName
	stGzipComment
	stGzipHCRC
	stBlock
	stStored
	stSymbols
	stDone
)

// maxCarry bounds the bytes carried between calls; a stream needing more
// is treated as broken.
const maxCarry = 4 << 10

func (z *inflater) reset(wrap uint8) {
	*z = inflater{wrap: wrap, carry: z.carry[:0], scratch: z.scratch[:0]}
}

// bitReader is the input of one call, with the accumulator.
type bitReader struct {
	in   []byte
	pos  int
	bits uint64
	n    uint
}

func (r *bitReader) fill() {
	for r.n <= 56 && r.pos < len(r.in) {
		r.bits |= uint64(r.in[r.pos]) << r.n
		r.pos++
		r.n += 8
	}
}

// need reports whether n bits are available.
func (r *bitReader) need(n uint) bool {
	if r.n < n {
		r.fill()
	}
	return r.n >= n
}

func (r *bitReader) take(n uint) uint32 {
	v := uint32(r.bits & (1<<n - 1))
	r.bits >>= n
	r.n -= n
	return v
}

// huff is a canonical Huffman code (as in zlib's puff) with a 9-bit
// lookup table for the short codes.
type huff struct {
	count  [16]uint16
	symbol [320]uint16
	fast   [512]uint16 // len<<12 | symbol; 0: not a short code
}

func (h *huff) build(lengths []uint8) bool {
	h.count = [16]uint16{}
	for _, l := range lengths {
		h.count[l]++
	}
	left := 1
	for l := 1; l < 16; l++ {
		left <<= 1
		left -= int(h.count[l])
		if left < 0 {
			return false
		}
	}
	var offs [16]uint16
	for l := 1; l < 15; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	for s, l := range lengths {
		if l != 0 {
			h.symbol[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	h.fast = [512]uint16{}
	var next [16]int
	code := 0
	for l := 1; l < 16; l++ {
		next[l] = code
		code = (code + int(h.count[l])) << 1
	}
	for s, l := range lengths {
		if l == 0 {
			continue
		}
		c := next[l]
		next[l]++
		if l > 9 {
			continue
		}
		rev := 0
		for i := uint8(0); i < l; i++ {
			rev |= (c >> i & 1) << (l - 1 - i)
		}
		for k := rev; k < 512; k += 1 << l {
			h.fast[k] = uint16(l)<<12 | uint16(s)
		}
	}
	return true
}

// decode returns a symbol, -2 when more input is needed, -1 on error.
func (h *huff) decode(r *bitReader) int {
	r.fill()
	if r.n >= 9 {
		if e := h.fast[r.bits&511]; e != 0 {
			r.take(uint(e >> 12))
			return int(e & 0xfff)
		}
	}
	code, first, index := 0, 0, 0
	for l := uint(1); l <= 15; l++ {
		if l > r.n {
			return -2
		}
		code |= int(r.bits >> (l - 1) & 1)
		cnt := int(h.count[l])
		if code-cnt < first {
			r.take(l)
			return int(h.symbol[index+code-first])
		}
		index += cnt
		first += cnt
		first <<= 1
		code <<= 1
	}
	return -1
}

var (
	lenBase   = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra  = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	clenOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

	fixedLit, fixedDist huff
)

func init() {
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	fixedLit.build(l[:])
	var d [30]uint8
	for i := range d {
		d[i] = 5
	}
	fixedDist.build(d[:])
}

// feed decodes data and returns the number of new output bytes.
func (z *inflater) feed(data []byte) uint64 {
	if z.failed || z.st == stDone || len(data) == 0 {
		return 0
	}
	before := z.out
	in := data
	if len(z.carry) > 0 {
		z.scratch = append(append(z.scratch[:0], z.carry...), data...)
		in = z.scratch
	}
	r := bitReader{in: in, bits: z.bits, n: z.nbits}
	z.run(&r)
	z.bits, z.nbits = r.bits, r.n
	z.carry = append(z.carry[:0], in[r.pos:]...)
	if len(z.carry) > maxCarry {
		z.failed = true
	}
	return z.out - before
}

// run decodes as far as the input goes. Byte-oriented states read r.in
// directly; they are only entered with an empty accumulator.
func (z *inflater) run(r *bitReader) {
	for !z.failed {
		switch z.st {
		case stStart:
			if !z.start(r) {
				return
			}
		case stGzipExtraLen:
			if len(r.in)-r.pos < 2 {
				return
			}
			z.skip = int(r.in[r.pos]) | int(r.in[r.pos+1])<<8
			r.pos += 2
			z.st = stGzipExtra
		case stGzipExtra:
			n := min(z.skip, len(r.in)-r.pos)
			r.pos += n
			z.skip -= n
			if z.skip > 0 {
				return
			}
			z.st = z.gzipNext(stGzipName)
		case stGzipName, stGzipComment:
			for r.pos < len(r.in) && r.in[r.pos] != 0 {
				r.pos++
			}
			if r.pos == len(r.in) {
				return
			}
			r.pos++
			z.st = z.gzipNext(z.st + 1)
		case stGzipHCRC:
			if len(r.in)-r.pos < 2 {
				return
			}
			r.pos += 2
			z.st = stBlock
		case stBlock:
			if !z.block(r) {
				return
			}
		case stStored:
			for z.stored > 0 && r.n >= 8 {
				r.take(8)
				z.stored--
				z.out++
			}
			n := min(z.stored, len(r.in)-r.pos)
			r.pos += n
			z.stored -= n
			z.out += uint64(n)
			if z.stored > 0 {
				return
			}
			z.endBlock()
		case stSymbols:
			if !z.symbols(r) {
				return
			}
		case stDone:
			r.pos = len(r.in)
			return
		}
	}
}

// gzipNext moves past the optional gzip header fields not present.
func (z *inflater) gzipNext(st uint8) uint8 {
	if st == stGzipName && z.gzFlags&0x08 == 0 {
		st = stGzipComment
	}
	if st == stGzipComment && z.gzFlags&0x10 == 0 {
		st = stGzipHCRC
	}
	if st == stGzipHCRC && z.gzFlags&0x02 == 0 {
		st = stBlock
	}
	return st
}

// start recognises the wrapper.
func (z *inflater) start(r *bitReader) bool {
	b := r.in[r.pos:]
	if len(b) < 2 {
		return false
	}
	zlibHdr := b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint(b[0])<<8|uint(b[1]))%31 == 0
	switch {
	case z.wrap == wrapGzipAuto && b[0] == 0x1f && b[1] == 0x8b:
		if len(b) < 10 {
			return false
		}
		if b[2] != 8 {
			z.failed = true
			return false
		}
		z.gzFlags = b[3]
		r.pos += 10
		z.st = stGzipExtraLen
		if z.gzFlags&0x04 == 0 {
			z.st = z.gzipNext(stGzipName)
		}
	case zlibHdr:
		if b[1]&0x20 != 0 { // preset dictionary
			z.failed = true
			return false
		}
		r.pos += 2
		z.st = stBlock
	case z.wrap == wrapDeflateAuto:
		z.st = stBlock // raw DEFLATE: Zeek's retry without the zlib header
	default:
		z.failed = true
		return false
	}
	return true
}

func (z *inflater) endBlock() {
	if z.final {
		z.st = stDone
	} else {
		z.st = stBlock
	}
}

// block reads a block header (for dynamic blocks, the whole code
// description) atomically.
func (z *inflater) block(r *bitReader) bool {
	save := *r
	if !r.need(3) {
		return false
	}
	hdr := r.take(3)
	final := hdr&1 != 0
	switch hdr >> 1 {
	case 0:
		r.take(r.n % 8)
		if !r.need(32) {
			*r = save
			return false
		}
		l, nl := r.take(16), r.take(16)
		if l != ^nl&0xffff {
			z.failed = true
			return false
		}
		z.stored = int(l)
		z.st = stStored
	case 1:
		z.lit, z.dist = fixedLit, fixedDist
		z.st = stSymbols
	case 2:
		ok, more := z.dynamic(r)
		if more {
			*r = save
			return false
		}
		if !ok {
			z.failed = true
			return false
		}
		z.st = stSymbols
	default:
		z.failed = true
		return false
	}
	z.final = final
	return true
}

// dynamic reads a dynamic block's code description.
func (z *inflater) dynamic(r *bitReader) (ok, more bool) {
	if !r.need(14) {
		return false, true
	}
	nlen := int(r.take(5)) + 257
	ndist := int(r.take(5)) + 1
	ncode := int(r.take(4)) + 4
	if nlen > 286 || ndist > 30 {
		return false, false
	}
	var lengths [320]uint8
	for i := 0; i < ncode; i++ {
		if !r.need(3) {
			return false, true
		}
		lengths[clenOrder[i]] = uint8(r.take(3))
	}
	var clen huff
	if !clen.build(lengths[:19]) {
		return false, false
	}
	lengths = [320]uint8{}
	for i := 0; i < nlen+ndist; {
		sym := clen.decode(r)
		switch {
		case sym == -2:
			return false, true
		case sym < 0:
			return false, false
		case sym < 16:
			lengths[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var val uint8
		switch sym {
		case 16:
			if i == 0 {
				return false, false
			}
			if !r.need(2) {
				return false, true
			}
			val, rep = lengths[i-1], 3+int(r.take(2))
		case 17:
			if !r.need(3) {
				return false, true
			}
			rep = 3 + int(r.take(3))
		default:
			if !r.need(7) {
				return false, true
			}
			rep = 11 + int(r.take(7))
		}
		if i+rep > nlen+ndist {
			return false, false
		}
		for ; rep > 0; rep-- {
			lengths[i] = val
			i++
		}
	}
	if lengths[256] == 0 {
		return false, false
	}
	if !z.lit.build(lengths[:nlen]) {
		return false, false
	}
	if !z.dist.build(lengths[nlen : nlen+ndist]) {
		return false, false
	}
	return true, false
}

// symbols decodes literal/length symbols, one whole symbol at a time.
func (z *inflater) symbols(r *bitReader) bool {
	for {
		save := *r
		sym := z.lit.decode(r)
		switch {
		case sym == -2:
			*r = save
			return false
		case sym < 0 || sym > 285:
			z.failed = true
			return false
		case sym < 256:
			z.out++
			continue
		case sym == 256:
			z.endBlock()
			return true
		}
		sym -= 257
		if !r.need(uint(lenExtra[sym])) {
			*r = save
			return false
		}
		n := int(lenBase[sym]) + int(r.take(uint(lenExtra[sym])))
		d := z.dist.decode(r)
		if d == -2 {
			*r = save
			return false
		}
		if d < 0 || d > 29 {
			z.failed = true
			return false
		}
		if !r.need(uint(distExtra[d])) {
			*r = save
			return false
		}
		r.take(uint(distExtra[d]))
		z.out += uint64(n)
	}
}
