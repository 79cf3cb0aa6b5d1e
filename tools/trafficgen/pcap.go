package trafficgen

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
)

// WritePcap generates traffic into a pcap file (nanosecond timestamps,
// link type Ethernet). It writes a temporary file beside path and renames
// it into place, so a failed run leaves nothing half-written.
//
// The file format is written here rather than through gopacket's
// pcapgo.Writer: pcapgo needs golang.org/x/net, which is not in go.mod.
func WritePcap(path string, opts Options) (Summary, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return Summary{}, fmt.Errorf("write %s: %w", path, err)
	}
	fail := func(err error) (Summary, error) {
		tmp.Close()
		os.Remove(tmp.Name())
		return Summary{}, fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fail(err)
	}
	w := bufio.NewWriterSize(tmp, 1<<20)
	var hdr [24]byte
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b23c4d) // nanosecond pcap
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535) // snaplen
	binary.LittleEndian.PutUint32(hdr[20:], 1)     // LINKTYPE_ETHERNET
	if _, err := w.Write(hdr[:]); err != nil {
		return fail(err)
	}
	var rec [16]byte
	sum, err := Generate(opts, func(ts int64, frame []byte) error {
		binary.LittleEndian.PutUint32(rec[0:], uint32(ts/1e9))
		binary.LittleEndian.PutUint32(rec[4:], uint32(ts%1e9))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(frame)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(frame)))
		if _, err := w.Write(rec[:]); err != nil {
			return err
		}
		_, err := w.Write(frame)
		return err
	})
	if err != nil {
		return fail(err)
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return Summary{}, fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return Summary{}, fmt.Errorf("write %s: %w", path, err)
	}
	return sum, nil
}
