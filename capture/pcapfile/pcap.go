package pcapfile

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// pcapReader decodes classic pcap records from a bufio.Reader whose buffer
// holds at least 16+MaxSnaplen bytes, returning each packet as a view into
// that buffer.
//
// Not safe for concurrent use; owned by one Reader.
type pcapReader struct {
	src   *bufio.Reader
	big   bool
	nanos bool   // timestamps in ns, not µs
	link  uint16 // LINKTYPE_ of the file
	skip  int    // bytes of the last record still to discard
	off   int64  // file offset of the next record
}

// newPcapReader checks the 24-byte file header in head and consumes it.
func newPcapReader(src *bufio.Reader, head []byte) (*pcapReader, error) {
	if len(head) < 24 {
		return nil, fmt.Errorf("pcap file header: %w (%d of 24 bytes)", ErrTruncated, len(head))
	}
	p := &pcapReader{src: src, big: head[0] == 0xa1, nanos: head[2] == 0x3c || head[1] == 0x3c}
	if maj, min := p.u16(head[4:6]), p.u16(head[6:8]); maj != 2 || min != 4 {
		return nil, fmt.Errorf("pcap version %d.%d: %w", maj, min, ErrUnsupported)
	}
	// The low 16 bits are the link type; the upper bits carry FCS
	// information this package does not use.
	p.link = uint16(p.u32(head[20:24]))
	if _, err := src.Discard(24); err != nil {
		return nil, err
	}
	p.off = 24
	return p, nil
}

func (p *pcapReader) u16(b []byte) uint16 {
	if p.big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (p *pcapReader) u32(b []byte) uint32 {
	if p.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// packet returns the next record. It returns io.EOF at a clean end.
//
// Like libpcap it accepts records longer than the header's snap length
// (some writers do not enforce it) up to MaxSnaplen, and does not require
// the captured length to be at most the wire length.
func (p *pcapReader) packet() ([]byte, Info, error) {
	if p.skip > 0 {
		// Peek already proved these bytes are buffered.
		p.src.Discard(p.skip)
		p.off += int64(p.skip)
		p.skip = 0
	}
	h, err := p.src.Peek(16)
	if len(h) < 16 {
		if len(h) == 0 && (err == io.EOF || err == nil) {
			return nil, Info{}, io.EOF
		}
		if err == io.EOF || err == nil {
			return nil, Info{}, fmt.Errorf("%w: record header at offset %d has %d of 16 bytes", ErrTruncated, p.off, len(h))
		}
		return nil, Info{}, err
	}
	sec, frac := p.u32(h[0:4]), p.u32(h[4:8])
	caplen, wire := p.u32(h[8:12]), p.u32(h[12:16])
	if caplen > MaxSnaplen {
		return nil, Info{}, fmt.Errorf("%w: record at offset %d: capture length %d exceeds maximum %d", ErrCorrupt, p.off, caplen, MaxSnaplen)
	}
	ts := int64(sec) * 1e9
	if p.nanos {
		ts += int64(frac)
	} else {
		ts += int64(frac) * 1e3
	}
	n := 16 + int(caplen)
	b, err := p.src.Peek(n)
	if len(b) < n {
		if err == io.EOF || err == nil {
			return nil, Info{}, fmt.Errorf("%w: record at offset %d has %d of %d captured bytes", ErrTruncated, p.off, len(b)-16, caplen)
		}
		return nil, Info{}, err
	}
	p.skip = n
	return b[16:n:n], Info{TS: ts, CapLen: int(caplen), WireLen: int(wire), LinkType: p.link}, nil
}
