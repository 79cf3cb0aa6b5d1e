package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func samplePkts(n int) []testPkt {
	var ps []testPkt
	for i := 0; i < n; i++ {
		d := make([]byte, 60+i*7)
		for j := range d {
			d[j] = byte(i + j)
		}
		ps = append(ps, testPkt{ts: 1_700_000_000_123_456_000 + int64(i)*1_000_001_000, data: d, wire: len(d) + i})
	}
	return ps
}

func readAll(t *testing.T, r *Reader) ([]testPkt, []Info, error) {
	t.Helper()
	var ps []testPkt
	var is []Info
	for {
		d, info, err := r.Next()
		if err != nil {
			if err == io.EOF {
				return ps, is, nil
			}
			return ps, is, err
		}
		if len(d) != info.CapLen {
			t.Fatalf("len(data)=%d, CapLen=%d", len(d), info.CapLen)
		}
		ps = append(ps, testPkt{ts: info.TS, data: append([]byte(nil), d...), wire: info.WireLen})
		is = append(is, info)
	}
}

func TestPcapVariants(t *testing.T) {
	want := samplePkts(5)
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, nanos := range []bool{false, true} {
			// snaplen 64 is less than most records: accepted as libpcap does.
			file := buildPcap(bo, nanos, 276, 64, want)
			r, err := NewReader(bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			got, infos, err := readAll(t, r)
			if err != nil {
				t.Fatalf("%v nanos=%v: %v", bo, nanos, err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d packets, want %d", len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i].data, want[i].data) || got[i].ts != want[i].ts || got[i].wire != want[i].wire {
					t.Errorf("%v nanos=%v packet %d: ts %d wire %d, want ts %d wire %d", bo, nanos, i, got[i].ts, got[i].wire, want[i].ts, want[i].wire)
				}
				if infos[i].LinkType != 276 {
					t.Errorf("link type %d, want 276", infos[i].LinkType)
				}
			}
			if _, _, err := r.Next(); err != io.EOF {
				t.Errorf("Next after EOF: %v", err)
			}
		}
	}
}

func TestPcapng(t *testing.T) {
	eth := []byte("ethernet-frame-payload")
	raw := []byte("raw-ip")
	var w ngBuilder
	w.shb(binary.LittleEndian)
	w.idb(1, 0, -1, 0)         // Ethernet, µs default, unlimited snaplen
	w.idb(101, 65535, 9, 0)    // raw IP, ns
	w.idb(276, 65535, 0x94, 0) // SLL2, 2^-20 s
	w.epb(0, 1_700_000_000_000_001, eth, 100, true)
	w.isb(0)
	w.block(0x00000bad, []byte{1, 2, 3, 4}) // custom block, skipped
	w.epb(1, 1_700_000_000_000_000_002, raw, len(raw), false)
	w.epb(2, 1_700_000_000<<20|1<<19, raw, len(raw), false)
	w.spb(1000, eth) // truncated to the block: interface 0
	// second section, big-endian, with its own interfaces and an offset
	w.shb(binary.BigEndian)
	w.idb(105, 0, 3, 1000) // 802.11, ms resolution, +1000 s
	w.epb(0, 1_500, eth, len(eth), true)
	r, err := NewReader(bytes.NewReader(w.buf))
	if err != nil {
		t.Fatal(err)
	}
	got, infos, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		ts   int64
		link uint16
		data []byte
		wire int
	}{
		{1_700_000_000_000_001_000, 1, eth, 100},
		{1_700_000_000_000_000_002, 101, raw, len(raw)},
		{1_700_000_000_500_000_000, 276, raw, len(raw)},
		{0, 1, eth, 1000},
		{(1+1000)*1e9 + 500e6, 105, eth, len(eth)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d packets, want %d", len(got), len(want))
	}
	for i, wt := range want {
		data := got[i].data
		if i == 3 { // simple packet block: padded data, caplen = block room
			data = data[:len(eth)]
		}
		if got[i].ts != wt.ts || infos[i].LinkType != wt.link || !bytes.Equal(data, wt.data) || got[i].wire != wt.wire {
			t.Errorf("packet %d: ts %d link %d wire %d data %q; want ts %d link %d wire %d data %q",
				i, got[i].ts, infos[i].LinkType, got[i].wire, got[i].data, wt.ts, wt.link, wt.wire, wt.data)
		}
	}
}

// TestTruncation cuts files at every length: never a panic, packets
// before the cut come out whole, and the end is io.EOF exactly at record
// boundaries and ErrTruncated elsewhere.
func TestTruncation(t *testing.T) {
	pc := buildPcap(binary.LittleEndian, false, 1, 65535, samplePkts(3))
	var w ngBuilder
	w.shb(binary.LittleEndian)
	w.idb(1, 0, 9, 0)
	for i, p := range samplePkts(3) {
		w.epb(0, uint64(p.ts), p.data, len(p.data), i == 1)
	}
	for name, file := range map[string][]byte{"pcap": pc, "pcapng": w.buf} {
		full, _, err := readAll(t, mustReader(t, file))
		if err != nil || len(full) != 3 {
			t.Fatalf("%s: %d packets, %v", name, len(full), err)
		}
		for cut := 0; cut < len(file); cut++ {
			r, err := NewReader(bytes.NewReader(file[:cut]))
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("%s cut %d: multi-line error %q", name, cut, err)
				}
				continue
			}
			got, _, err := readAll(t, r)
			for i := range got {
				if !bytes.Equal(got[i].data, full[i].data) {
					t.Fatalf("%s cut %d: packet %d differs", name, cut, i)
				}
			}
			if err != nil && !errors.Is(err, ErrTruncated) {
				t.Errorf("%s cut %d: %v, want ErrTruncated", name, cut, err)
			}
			if err != nil && !strings.Contains(err.Error(), "truncated dump file") {
				t.Errorf("%s cut %d: error %q does not say truncated", name, cut, err)
			}
		}
	}
}

func mustReader(t *testing.T, b []byte) *Reader {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestNotCapture(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		content []byte
		want    string
		is      error
	}{
		{"trace.gz", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0}, "gzip-compressed file; decompress it first", ErrCompressed},
		{"trace.zst", []byte{0x28, 0xb5, 0x2f, 0xfd, 0}, "zstd-compressed file; decompress it first", ErrCompressed},
		{"x.py", []byte("#!/usr/bin/env python3\nimport scapy\n"), "not a pcap or pcapng file", ErrNotCapture},
		{"empty.pcap", nil, "empty file: not a pcap or pcapng file", ErrNotCapture},
		{"short.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0}, "pcap file header: truncated dump file (6 of 24 bytes)", ErrTruncated},
		{"v3.pcap", buildPcap(binary.LittleEndian, false, 1, 0, nil)[:4], "", ErrTruncated},
	}
	bad := buildPcap(binary.LittleEndian, false, 1, 0, nil)
	bad[4] = 3
	cases = append(cases, struct {
		name    string
		content []byte
		want    string
		is      error
	}{"v3b.pcap", bad, "pcap version 3.4: unsupported capture format", ErrUnsupported})
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.content, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(p)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !errors.Is(err, c.is) {
			t.Errorf("%s: %v is not %v", c.name, err, c.is)
		}
		if c.want != "" && err.Error() != "open "+p+": "+c.want {
			t.Errorf("%s: got %q, want %q", c.name, err, "open "+p+": "+c.want)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing.pcap")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestCorruptPcapng(t *testing.T) {
	mk := func(f func(w *ngBuilder)) []byte {
		var w ngBuilder
		w.shb(binary.LittleEndian)
		f(&w)
		return w.buf
	}
	cases := map[string][]byte{
		"tsresol too fine": mk(func(w *ngBuilder) { w.idb(1, 0, 0xc0, 0); w.epb(0, 1, []byte("x"), 1, false) }),
		"tsresol 10^-20":   mk(func(w *ngBuilder) { w.idb(1, 0, 20, 0); w.epb(0, 1, []byte("x"), 1, false) }),
		"no interface":     mk(func(w *ngBuilder) { w.epb(0, 1, []byte("x"), 1, false) }),
		"bad interface":    mk(func(w *ngBuilder) { w.idb(1, 0, 6, 0); w.epb(3, 1, []byte("x"), 1, false) }),
		"huge caplen": mk(func(w *ngBuilder) {
			w.idb(1, 0, 6, 0)
			w.epb(0, 1, []byte("xxxx"), 1, false)
			binary.LittleEndian.PutUint32(w.buf[len(w.buf)-16:], 0xfffffff0)
		}),
		"first block not SHB": func() []byte {
			b := mk(func(w *ngBuilder) {})
			return append([]byte{0x0a, 0x0d, 0x0d, 0x0a, 12, 0, 0, 0, 0, 0, 0, 0}, b[4:]...)
		}(),
	}
	for name, file := range cases {
		r, err := NewReader(bytes.NewReader(file))
		if err == nil {
			_, _, err = readAll(t, r)
		}
		if err == nil || !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	var w ngBuilder
	w.shb(binary.LittleEndian)
	w.idb(1, 0, 9, 0)
	pk := samplePkts(50)
	for _, p := range pk {
		w.epb(0, uint64(p.ts), p.data, len(p.data), true)
	}
	pc := buildPcap(binary.BigEndian, true, 1, 65535, pk)
	for name, file := range map[string][]byte{"pcap": pc, "pcapng": w.buf} {
		src := bytes.NewReader(file)
		r, err := NewReader(src)
		if err != nil {
			t.Fatal(err)
		}
		r.Next() // warm up
		allocs := testing.AllocsPerRun(200, func() {
			if _, _, err := r.Next(); err == io.EOF {
				src.Reset(file)
				// a new Reader would allocate; rewind this one instead
				*r = Reader{name: r.name, format: r.format, pcap: r.pcap, ng: r.ng}
				rewind(r, src, file)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocs per Next, want 0", name, allocs)
		}
	}
}

// rewind points r's decoder at the start of file again without
// allocating (test helper for TestNoAllocs).
func rewind(r *Reader, src *bytes.Reader, file []byte) {
	if r.pcap != nil {
		r.pcap.src.Reset(src)
		r.pcap.src.Discard(24)
		r.pcap.skip, r.pcap.off = 0, 24
		return
	}
	r.ng.src.Reset(src)
	r.ng.skip, r.ng.next, r.ng.started = 0, 0, false
}

func BenchmarkNext(b *testing.B) {
	pk := samplePkts(200)
	var w ngBuilder
	w.shb(binary.LittleEndian)
	w.idb(1, 0, 9, 0)
	for _, p := range pk {
		w.epb(0, uint64(p.ts), p.data, len(p.data), false)
	}
	pc := buildPcap(binary.LittleEndian, false, 1, 65535, pk)
	for name, file := range map[string][]byte{"pcap": pc, "pcapng": w.buf} {
		b.Run(name, func(b *testing.B) {
			src := bytes.NewReader(file)
			r, _ := NewReader(src)
			b.ReportAllocs()
			b.SetBytes(int64(len(file) / len(pk)))
			for i := 0; i < b.N; i++ {
				if _, _, err := r.Next(); err != nil {
					src.Reset(file)
					*r = Reader{name: r.name, format: r.format, pcap: r.pcap, ng: r.ng}
					rewind(r, src, file)
				}
			}
		})
	}
}
