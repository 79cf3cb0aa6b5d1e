package pcapfile

import (
	"bytes"
	"fmt"
)

// format is the container format of a capture file.
type format uint8

const (
	formatUnknown format = iota
	formatPcap
	formatPcapng
)

// Magic numbers as they appear in the first four bytes of a file.
var (
	magicPcapUsLE = []byte{0xd4, 0xc3, 0xb2, 0xa1}
	magicPcapUsBE = []byte{0xa1, 0xb2, 0xc3, 0xd4}
	magicPcapNsLE = []byte{0x4d, 0x3c, 0xb2, 0xa1}
	magicPcapNsBE = []byte{0xa1, 0xb2, 0x3c, 0x4d}
	// Alexey Kuznetzov's modified pcap, still written by some old tools.
	magicPcapKuzLE = []byte{0x34, 0xcd, 0xb2, 0xa1}
	magicPcapKuzBE = []byte{0xa1, 0xb2, 0xcd, 0x34}
	magicPcapng    = []byte{0x0a, 0x0d, 0x0d, 0x0a}
)

// sniff classifies a file by its first bytes (up to 8). It returns the
// format, or an error that says in a few words what the file is instead.
func sniff(head []byte) (format, error) {
	if len(head) == 0 {
		return formatUnknown, fmt.Errorf("empty file: %w", ErrNotCapture)
	}
	if len(head) >= 4 {
		m := head[:4]
		switch {
		case bytes.Equal(m, magicPcapUsLE), bytes.Equal(m, magicPcapUsBE),
			bytes.Equal(m, magicPcapNsLE), bytes.Equal(m, magicPcapNsBE):
			return formatPcap, nil
		case bytes.Equal(m, magicPcapng):
			return formatPcapng, nil
		case bytes.Equal(m, magicPcapKuzLE), bytes.Equal(m, magicPcapKuzBE):
			return formatUnknown, fmt.Errorf("modified (Kuznetzov) pcap: %w; convert it with editcap -F pcap", ErrUnsupported)
		}
	}
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return formatUnknown, fmt.Errorf("gzip-%w; decompress it first", ErrCompressed)
	case bytes.HasPrefix(head, []byte("BZh")):
		return formatUnknown, fmt.Errorf("bzip2-%w; decompress it first", ErrCompressed)
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return formatUnknown, fmt.Errorf("xz-%w; decompress it first", ErrCompressed)
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return formatUnknown, fmt.Errorf("zstd-%w; decompress it first", ErrCompressed)
	case bytes.HasPrefix(head, []byte{'P', 'K', 3, 4}):
		return formatUnknown, fmt.Errorf("zip archive: %w", ErrNotCapture)
	}
	return formatUnknown, ErrNotCapture
}
