package pcapfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const zeekTraces = "/work/shared/zeek-traces"

// TestZeekTraces reads every file of Zeek's test traces: no panic, no
// hang; non-capture files give one error line; captures read to the end
// or to an error wrapping ErrTruncated or ErrCorrupt.
func TestZeekTraces(t *testing.T) {
	if _, err := os.Stat(zeekTraces); err != nil {
		t.Skipf("zeek traces not available: %v", err)
	}
	var files, captures, packets int
	err := filepath.WalkDir(zeekTraces, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		done := make(chan struct{})
		var n int
		var rerr, oerr error
		go func() {
			defer close(done)
			r, err := Open(path)
			if err != nil {
				oerr = err
				return
			}
			defer r.Close()
			for {
				_, _, err := r.Next()
				if err != nil {
					if err != io.EOF {
						rerr = err
					}
					return
				}
				n++
			}
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: hang", path)
		}
		head := make([]byte, 4)
		if f, err := os.Open(path); err == nil {
			io.ReadFull(f, head)
			f.Close()
		}
		isCap := string(head) == "\x0a\x0d\x0d\x0a" || head[0] == 0xd4 || head[0] == 0xa1 || head[0] == 0x4d
		switch {
		case oerr != nil:
			if strings.ContainsRune(oerr.Error(), '\n') || !strings.HasPrefix(oerr.Error(), "open "+path+": ") {
				t.Errorf("%s: bad error line %q", path, oerr)
			}
			if isCap {
				t.Errorf("%s: capture file refused: %v", path, oerr)
			}
		case !isCap:
			t.Errorf("%s: not a capture but opened", path)
		default:
			captures++
			packets += n
			if rerr != nil {
				if strings.ContainsRune(rerr.Error(), '\n') {
					t.Errorf("%s: multi-line error %q", path, rerr)
				}
				if !errors.Is(rerr, ErrTruncated) && !errors.Is(rerr, ErrCorrupt) {
					t.Errorf("%s: %v", path, rerr)
				}
				t.Logf("%s: %d packets, then %v", filepath.Base(path), n, rerr)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files, %d captures, %d packets", files, captures, packets)
}
