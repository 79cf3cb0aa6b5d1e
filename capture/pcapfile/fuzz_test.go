package pcapfile

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReader feeds arbitrary bytes to NewReader and reads to the end:
// no panic, no hang, one-line errors, data within the reported length.
func FuzzReader(f *testing.F) {
	// Seeds: hand-built files of each variant ...
	f.Add(buildPcap(binary.LittleEndian, false, 1, 65535, samplePkts(2)))
	f.Add(buildPcap(binary.BigEndian, true, 276, 0, samplePkts(2)))
	var w ngBuilder
	w.shb(binary.BigEndian)
	w.idb(1, 0, 0x94, 7)
	w.idb(101, 100, -1, 0)
	w.epb(1, 12345, []byte("abc"), 3, true)
	w.spb(9, []byte("abcdefghi"))
	w.isb(0)
	f.Add(w.buf)
	// ... and the first 4 KiB of a few of Zeek's traces, malformed ones
	// included (skipped when the traces are not present).
	for _, name := range []string{"trunc/trunc-hdr.pcap", "trunc/ip-discarder-truncated-tcp-oob.pcapng",
		"dns-edns-ecs.pcap", "pcapng/*", "*.pcapng"} {
		matches, _ := filepath.Glob(filepath.Join(zeekTraces, name))
		for i, m := range matches {
			if i >= 3 {
				break
			}
			b, err := os.ReadFile(m)
			if err != nil {
				continue
			}
			if len(b) > 4096 {
				b = b[:4096]
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b))
		if err != nil {
			if strings.ContainsRune(err.Error(), '\n') {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for i := 0; ; i++ {
			d, info, err := r.Next()
			if err != nil {
				if err != io.EOF && strings.ContainsRune(err.Error(), '\n') {
					t.Fatalf("multi-line error %q", err)
				}
				return
			}
			if len(d) != info.CapLen || len(d) > MaxSnaplen || len(d) > len(b) {
				t.Fatalf("packet %d: len %d, CapLen %d, input %d", i, len(d), info.CapLen, len(b))
			}
			if i > len(b) {
				t.Fatalf("more packets (%d) than input bytes", i)
			}
		}
	})
}
