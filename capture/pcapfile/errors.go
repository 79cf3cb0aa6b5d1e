package pcapfile

import "errors"

// MaxSnaplen bounds the capture length of one packet, as libpcap's
// MAXIMUM_SNAPLEN does. A record claiming more is treated as corrupt.
const MaxSnaplen = 262144

// Errors callers branch on. Errors returned by Open and Next wrap one of
// these (or an error from the operating system).
var (
	// ErrNotCapture: the file is neither pcap nor pcapng.
	ErrNotCapture = errors.New("not a pcap or pcapng file")
	// ErrCompressed: the file is compressed; decompress it first.
	ErrCompressed = errors.New("compressed file")
	// ErrUnsupported: a capture format variant this package does not read.
	ErrUnsupported = errors.New("unsupported capture format")
	// ErrTruncated: the file ends inside a header or record. Packets
	// returned before this error are complete.
	ErrTruncated = errors.New("truncated dump file")
	// ErrCorrupt: a header or record is malformed. Packets returned before
	// this error are complete.
	ErrCorrupt = errors.New("corrupt capture file")
)
