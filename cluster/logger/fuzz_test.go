package logger

import (
	"testing"
)

// FuzzParseCheckpoint: the checkpoint comes back from disk after a
// crash; any bytes must parse or fail cleanly, and what parses must
// round-trip.
func FuzzParseCheckpoint(f *testing.F) {
	// Seeds: a real checkpoint, an empty one, and broken variants.
	good := (&Checkpoint{Version: 1, Time: 1, Files: []FileMark{
		{Name: "conn.log", Path: "conn", Ino: 12, Open: 5, Size: 100},
		{Name: ".pending.2024-01-02.conn.10:00:00-11:00:00.log", Path: "conn", Open: 5, Close: 9, Size: 50, Archive: "2024-01-02/conn.10:00:00-11:00:00.log.zst", Format: 1},
	}}).Marshal()
	f.Add(good)
	f.Add([]byte(`{"v":1,"t":0}`))
	f.Add([]byte(`{"v":1,"files":[{"name":"../x","path":"conn","size":1}]}`))
	f.Add([]byte(`{"v":1,"files":[{"name":"a.log","path":"a","size":-1}]}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cp, err := ParseCheckpoint(b)
		if err != nil || cp == nil {
			return
		}
		cp2, err := ParseCheckpoint(cp.Marshal())
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if len(cp2.Files) != len(cp.Files) {
			t.Fatal("round trip lost files")
		}
		for _, m := range cp.Files {
			if !validFileName(m.Name) || m.Size < 0 {
				t.Fatalf("accepted %+v", m)
			}
		}
	})
}
