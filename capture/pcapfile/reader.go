package pcapfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// Info describes one packet returned by Reader.Next.
type Info struct {
	TS       int64  // timestamp, ns since the Unix epoch
	CapLen   int    // bytes captured (len of the data returned)
	WireLen  int    // bytes on the wire
	LinkType uint16 // pcap LINKTYPE_ number of the packet's interface
}

// bufSize is the read buffer: one maximal record plus room for pcapng
// options, so every packet is returned as a view into it.
const bufSize = MaxSnaplen + ngSlack

// Reader reads packets from a pcap or pcapng file.
//
// A Reader is not safe for concurrent use: one goroutine calls Next and
// Close. The data slice Next returns is owned by the Reader and valid only
// until the next call to Next or Close.
type Reader struct {
	name   string
	closer io.Closer // the file, when Open made the Reader
	format format
	pcap   *pcapReader
	ng     *ngReader
	n      int64 // packets returned
	err    error // sticky
}

// Open opens a pcap or pcapng file. The format is recognised by its magic
// number, not its name; a compressed or non-capture file gives an error
// that says so in one line, such as
// "open trace.gz: gzip-compressed file; decompress it first".
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError already reads "open PATH: ..."
	}
	r, err := newReader(f, path)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.closer = f
	return r, nil
}

// NewReader reads a pcap or pcapng stream from src. Close does not close
// src. Errors from Next name the input "stream".
func NewReader(src io.Reader) (*Reader, error) {
	return newReader(src, "stream")
}

func newReader(src io.Reader, name string) (*Reader, error) {
	br := bufio.NewReaderSize(src, bufSize)
	head, err := br.Peek(24)
	if len(head) < 24 && err != nil && err != io.EOF {
		return nil, err
	}
	kind, err := sniff(head)
	if err != nil {
		return nil, err
	}
	r := &Reader{name: name, format: kind}
	switch kind {
	case formatPcap:
		if r.pcap, err = newPcapReader(br, head); err != nil {
			return nil, err
		}
	case formatPcapng:
		r.ng = newNgReader(br)
	}
	return r, nil
}

// Next returns the next packet. data is valid until the next call to Next
// or Close. At the end of the file Next returns io.EOF. A damaged or
// truncated file ends with an error wrapping ErrTruncated or ErrCorrupt
// that names the file and the number of good packets before it; those
// packets are complete and worth keeping. After any error Next keeps
// returning the same error.
func (r *Reader) Next() (data []byte, info Info, err error) {
	if r.err != nil {
		return nil, Info{}, r.err
	}
	if r.format == formatPcap {
		data, info, err = r.pcap.packet()
	} else {
		data, info, err = r.ng.packet()
	}
	if err != nil {
		return nil, Info{}, r.fail(err)
	}
	r.n++
	return data, info, nil
}

// fail records a sticky error and returns it, naming the file.
func (r *Reader) fail(err error) error {
	if err == io.EOF {
		r.err = io.EOF
	} else {
		r.err = fmt.Errorf("read %s: after %d packets: %w", r.name, r.n, err)
	}
	return r.err
}

// Packets returns the number of packets Next has returned.
func (r *Reader) Packets() int64 { return r.n }

// Close releases the file. Further calls to Next return an error.
func (r *Reader) Close() error {
	if r.err == nil || r.err == io.EOF {
		r.err = fmt.Errorf("read %s: %w", r.name, os.ErrClosed)
	}
	if r.closer == nil {
		return nil
	}
	c := r.closer
	r.closer = nil
	return c.Close()
}
