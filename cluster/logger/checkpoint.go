package logger

import (
	"encoding/json"
	"fmt"

	"xsensor/analyzer/zeeklog"
)

// Checkpoint is what Writer.Sync returns and the wire Server stores with
// its de-duplication marks: every file in the log directory that holds
// acknowledged records, and how many of its bytes are durable. After a
// crash, Recover truncates each file back to its Size: bytes past it
// were never acknowledged and the senders resend them.
type Checkpoint struct {
	Version int        `json:"v"`
	Time    int64      `json:"t"` // Unix ns of the Sync that produced it
	Files   []FileMark `json:"files,omitempty"`
}

// FileMark is one file of a Checkpoint.
type FileMark struct {
	Name   string         `json:"name"` // file name inside the log directory
	Path   string         `json:"path"` // log stream (#path)
	Format zeeklog.Format `json:"format"`
	Ino    uint64         `json:"ino,omitempty"`   // inode; 0 where the platform has none
	Open   int64          `json:"open"`            // Unix ns, the file's #open
	Close  int64          `json:"close,omitempty"` // Unix ns; set once rotated (a pending archive)
	Size   int64          `json:"size"`            // durable bytes (header and records, no #close)
	// Archive is the archive name chosen at rotation, relative to the
	// log directory ("2024-01-02/conn.10:00:00-11:00:00.log.zst").
	Archive string `json:"archive,omitempty"`
}

const checkpointVersion = 1

// maxCheckpointBytes bounds what ParseCheckpoint accepts.
const maxCheckpointBytes = 1 << 20

// Marshal encodes c.
func (c *Checkpoint) Marshal() []byte {
	b, err := json.Marshal(c)
	if err != nil { // only plain fields: cannot happen
		panic(err)
	}
	return b
}

// ParseCheckpoint decodes and checks a checkpoint. nil or empty input is
// "no checkpoint" (nil, nil). It never panics.
func ParseCheckpoint(b []byte) (*Checkpoint, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b) > maxCheckpointBytes {
		return nil, fmt.Errorf("logger checkpoint: %d bytes exceeds %d", len(b), maxCheckpointBytes)
	}
	var c Checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("logger checkpoint: %w", err)
	}
	if c.Version != checkpointVersion {
		return nil, fmt.Errorf("logger checkpoint: version %d, want %d", c.Version, checkpointVersion)
	}
	seen := make(map[string]bool, len(c.Files))
	for i := range c.Files {
		f := &c.Files[i]
		switch {
		case !validFileName(f.Name):
			return nil, fmt.Errorf("logger checkpoint: bad file name %q", f.Name)
		case !ValidPath(f.Path):
			return nil, fmt.Errorf("logger checkpoint: %s: bad path %q", f.Name, f.Path)
		case f.Size < 0:
			return nil, fmt.Errorf("logger checkpoint: %s: negative size", f.Name)
		case f.Format > zeeklog.JSON:
			return nil, fmt.Errorf("logger checkpoint: %s: unknown format", f.Name)
		case f.Archive != "" && !validArchiveName(f.Archive):
			return nil, fmt.Errorf("logger checkpoint: %s: bad archive name %q", f.Name, f.Archive)
		case seen[f.Name]:
			return nil, fmt.Errorf("logger checkpoint: %s listed twice", f.Name)
		}
		seen[f.Name] = true
	}
	return &c, nil
}

// ValidPath reports whether p may name a log stream: 1 to 64 bytes of
// letters, digits, '_' and '-' (it becomes a file name).
func ValidPath(p string) bool {
	if len(p) == 0 || len(p) > 64 {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validFileName accepts a plain file name: no separator, not "." or "..".
func validFileName(n string) bool {
	if n == "" || n == "." || n == ".." || len(n) > 255 {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] == '/' || n[i] == 0 || n[i] == '\\' {
			return false
		}
	}
	return true
}

// validArchiveName accepts "DATE/NAME" with both parts plain names.
func validArchiveName(n string) bool {
	for i := 0; i < len(n); i++ {
		if n[i] == '/' {
			return validFileName(n[:i]) && validFileName(n[i+1:]) && n[0] != '.'
		}
	}
	return false
}
