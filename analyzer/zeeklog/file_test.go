package zeeklog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var testTime = time.Date(2026, 11, 28, 7, 30, 0, 0, time.UTC)

func TestFile(t *testing.T) {
	dir := t.TempDir()
	s := Schema{Path: "test", Fields: []Field{{"n", Count}, {"s", String}}}
	for _, f := range []Format{TSV, JSON} {
		lf, err := Create(dir, &s, f, testTime)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var batch []byte
				for i := 0; i < 100; i++ {
					batch = batch[:0]
					ew := NewEncoder(&s, f)
					for j := 0; j < 10; j++ {
						batch = ew.Begin(batch)
						batch = ew.Count(batch, uint64(w*1000+i*10+j))
						batch = ew.String(batch, "x")
						batch = ew.End(batch)
					}
					if err := lf.Write(batch); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		if err := lf.Close(testTime.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := lf.Write([]byte("x\n")); err != ErrClosed {
			t.Errorf("write after close: %v", err)
		}
		raw, err := os.ReadFile(filepath.Join(dir, "test.log"))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
		var body []string
		if f == TSV {
			if !bytes.HasPrefix(raw, []byte("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\ttest\n#open\t2026-11-28-07-30-00\n#fields\tn\ts\n#types\tcount\tstring\n")) {
				t.Errorf("header:\n%s", raw[:200])
			}
			if last := lines[len(lines)-1]; last != "#close\t2026-11-28-08-30-00" {
				t.Errorf("last line %q", last)
			}
			body = lines[8 : len(lines)-1]
		} else {
			body = lines
		}
		if len(body) != 4000 {
			t.Fatalf("%v: %d records, want 4000", f, len(body))
		}
		seen := map[string]bool{}
		for _, l := range body {
			seen[l] = true
		}
		for _, probe := range []int{0, 999, 3999, 1234} {
			want := fmt.Sprintf("%d\tx", probe)
			if f == JSON {
				want = fmt.Sprintf(`{"n":%d,"s":"x"}`, probe)
			}
			if !seen[want] {
				t.Errorf("%v: record %q missing", f, want)
			}
		}
	}
	if _, err := Create(filepath.Join(dir, "nope"), &s, TSV, testTime); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("create in missing dir: %v", err)
	}
}
