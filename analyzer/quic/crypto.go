package quic

const (
	// maxHello is the largest handshake message Zeek's CryptoSinkUnit
	// accepts, header included (&requires=self.length <= 2**14 + 256).
	maxHello = 1<<14 + 256
	// cryptoCap bounds the CRYPTO bytes buffered per direction: one byte
	// more than the largest accepted message, so that contiguous data
	// past a complete message is still noticed.
	cryptoCap = maxHello + 1
	// maxUnframed is the limit on CRYPTO data before a message length is
	// known (Zeek: "too much crypto data without length received").
	maxUnframed = 2000
)

// cryptoStream is Zeek's CryptoSinkUnit behind its sink: the CRYPTO
// stream of one direction reassembled by offset, of which the first
// handshake message (ClientHello or ServerHello) is handed to the TLS
// analyzer. Nothing past that message is analysed.
//
// Buffers grow with the highest offset seen, up to cryptoCap, and are
// kept across Reset: a warmed stream does not allocate.
type cryptoStream struct {
	buf       []byte   // stream bytes [0, len(buf))
	have      []uint64 // bitmap of the bytes of buf received
	delivered int      // contiguous bytes from offset 0 (Spicy's |sink|)
	forwarded int      // bytes handed to the TLS analyzer
	length    int      // 4 + handshake length once known, else 0
	finished  bool     // the whole message was forwarded
	failed    bool     // the unit raised a parse error
}

func (c *cryptoStream) reset() {
	*c = cryptoStream{buf: c.buf[:0], have: c.have[:0]}
}

func (c *cryptoStream) grow(n int) {
	if n <= len(c.buf) {
		return
	}
	words := (n + 63) / 64
	oldWords := len(c.have)
	if cap(c.have) >= words {
		c.have = c.have[:words]
		clear(c.have[oldWords:])
	} else {
		c.have = append(c.have, make([]uint64, words-oldWords)...)
	}
	if cap(c.buf) >= n {
		c.buf = c.buf[:n]
	} else {
		c.buf = append(c.buf, make([]byte, n-len(c.buf))...)
	}
}

// write stores data at stream offset off; the first copy of a byte wins.
func (c *cryptoStream) write(off uint64, data []byte) {
	if off >= cryptoCap || len(data) == 0 {
		return
	}
	end := off + uint64(len(data))
	if end > cryptoCap {
		data = data[:cryptoCap-off]
		end = cryptoCap
	}
	if end <= uint64(c.delivered) {
		return
	}
	o := int(off)
	if o < c.delivered {
		data = data[c.delivered-o:]
		o = c.delivered
	}
	c.grow(int(end))
	for i, b := range data {
		j := o + i
		w, bit := j>>6, uint64(1)<<(j&63)
		if c.have[w]&bit == 0 {
			c.have[w] |= bit
			c.buf[j] = b
		}
	}
	for c.delivered < len(c.buf) && c.have[c.delivered>>6]&(1<<(c.delivered&63)) != 0 {
		c.delivered++
	}
}

// pending returns the bytes ready for the TLS analyzer and marks them
// forwarded; ok is false when the message header is unacceptable.
func (c *cryptoStream) pending() (b []byte, ok bool) {
	if c.failed || c.finished {
		return nil, true
	}
	if c.length == 0 {
		if c.delivered < 4 {
			return nil, true
		}
		c.length = 4 + (int(c.buf[1])<<16 | int(c.buf[2])<<8 | int(c.buf[3]))
		if c.length > maxHello {
			c.failed = true
			return nil, false
		}
	}
	end := c.delivered
	if end > c.length {
		end = c.length
	}
	b = c.buf[c.forwarded:end]
	c.forwarded = end
	if c.forwarded == c.length {
		c.finished = true
	}
	return b, true
}

// overflow is the check Zeek makes after each CRYPTO frame.
func (c *cryptoStream) overflow() bool {
	if c.length > 0 {
		return c.delivered > c.length
	}
	return c.delivered > maxUnframed
}
