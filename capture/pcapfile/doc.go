// Package pcapfile reads pcap and pcapng capture files for replay.
//
// Model: Open sniffs the first bytes of a file and picks a decoder: classic
// pcap (microsecond or nanosecond timestamps, either byte order) or pcapng
// (any number of sections, either byte order, any number of interfaces,
// each with its own link type, if_tsresol and if_tsoffset; enhanced,
// simple and obsolete packet blocks; other blocks skipped). Compressed and
// non-capture files are refused with a one-line error that says what the
// file is.
//
// Reading is zero-copy: the file is read through one bufio.Reader whose
// buffer holds a maximal record (MaxSnaplen plus room for pcapng options),
// and Next returns each packet as a view into that buffer. Steady-state
// reading allocates nothing (TestNoAllocs).
//
// Why not gopacket/pcapgo: pcapgo needs golang.org/x/net, which is not in
// go.mod; and on malformed pcapng it divides by zero (if_tsresol beyond
// 2^-63 or 10^-19), allocates what a corrupt snap or capture length says
// (up to 4 GiB), truncates link types to 8 bits and converts binary
// timestamp resolutions inexactly. This package checks every length
// before using it.
//
// Hazards:
//   - Data returned by Next is valid only until the next call.
//   - A Reader is not safe for concurrent use.
//   - A damaged or truncated file ends the stream with an error wrapping
//     ErrTruncated or ErrCorrupt; the packets returned before it are good
//     and callers should keep them, as Zeek keeps what it read before
//     "truncated dump file".
//   - Records longer than MaxSnaplen are corrupt (libpcap refuses them too).
//     Records longer than the file's snap length are accepted, as libpcap
//     does.
package pcapfile
