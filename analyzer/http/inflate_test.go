package http

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"math/rand"
	"testing"
)

func compressAll(t testing.TB, kind string, data []byte, level int) []byte {
	var buf bytes.Buffer
	var w io.WriteCloser
	switch kind {
	case "gzip":
		g, _ := gzip.NewWriterLevel(&buf, level)
		g.Name = "file.txt"
		g.Extra = []byte("xx")
		w = g
	case "zlib":
		w, _ = zlib.NewWriterLevel(&buf, level)
	default:
		w, _ = flate.NewWriter(&buf, level)
	}
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

func inflateLen(wrap uint8, comp []byte, chunk int) (uint64, bool) {
	var z inflater
	z.reset(wrap)
	var n uint64
	for len(comp) > 0 {
		k := min(chunk, len(comp))
		n += z.feed(comp[:k])
		comp = comp[k:]
	}
	return n, z.failed
}

// TestInflate checks the decompressed sizes against compress/flate for
// every wrapper, compression level and a range of chunkings.
func TestInflate(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	text := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog 0123456789\n"), 300)
	random := make([]byte, 20000)
	rng.Read(random)
	for _, data := range [][]byte{nil, []byte("x"), text, random, append(text[:5000:5000], random[:3000]...)} {
		for _, level := range []int{flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.HuffmanOnly} {
			for _, kind := range []string{"gzip", "zlib", "raw"} {
				comp := compressAll(t, kind, data, level)
				wrap := wrapGzipAuto
				if kind == "raw" {
					wrap = wrapDeflateAuto
				}
				if kind == "raw" && len(comp) >= 2 && (uint(comp[0])<<8|uint(comp[1]))%31 == 0 && comp[0]&0x0f == 8 {
					continue // looks like a zlib header: ambiguous
				}
				for _, chunk := range []int{1, 2, 3, 7, 100, 1460, 1 << 20} {
					n, failed := inflateLen(wrap, comp, chunk)
					if failed || n != uint64(len(data)) {
						t.Fatalf("%s level %d len %d chunk %d: got %d failed=%v", kind, level, len(data), chunk, n, failed)
					}
				}
			}
		}
	}
}

// FuzzInflate compares the measured size with compress/flate's output on
// arbitrary raw DEFLATE input: where the reference decodes a complete
// stream, the sizes must agree.
func FuzzInflate(f *testing.F) {
	f.Add(compressAll(f, "raw", []byte("hello hello hello hello"), 6), uint8(3))
	f.Add(compressAll(f, "raw", bytes.Repeat([]byte("ab"), 1000), 9), uint8(1))
	f.Add([]byte{0x03, 0x00}, uint8(0))
	f.Fuzz(func(t *testing.T, comp []byte, chunk uint8) {
		if len(comp) >= 2 && comp[0]&0x0f == 8 && (uint(comp[0])<<8|uint(comp[1]))%31 == 0 {
			return // zlib-looking: another wrapper
		}
		n, failed := inflateLen(wrapDeflateAuto, comp, int(chunk)+1)
		out, err := io.ReadAll(flate.NewReader(bytes.NewReader(comp)))
		if err == nil && !failed && n != uint64(len(out)) {
			t.Fatalf("size %d, reference %d", n, len(out))
		}
		if err == nil && failed {
			t.Fatalf("failed on a stream the reference decodes (%d bytes)", len(out))
		}
	})
}
