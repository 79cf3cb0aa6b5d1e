package logger

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"xsensor/analyzer/zeeklog"
)

// unackedSlack is how much older than the last Sync a file unknown to
// the checkpoint may be and still count as written after it: file
// modification times come from a coarse clock.
const unackedSlack = time.Second

// recover brings the directory in line with the checkpoint before any
// record is written:
//
//   - a file the checkpoint lists (matched by inode, so a live file
//     renamed to its pending name is still found) is truncated to the
//     listed size: what lies beyond was never acknowledged and will be
//     resent. A live file whose rotation interval has not ended is
//     reopened and appended to; any other is closed (#close) and
//     archived: "leftover files are rotated at the next start";
//   - a file the checkpoint does not list but that was modified after
//     the last commit (or, with no checkpoint, since the start of a run
//     that never committed) holds only unacknowledged records: it is
//     removed, and the senders resend its records;
//   - any other file (older, or from a run without a checkpoint) is a
//     leftover: it is closed and archived as it is.
func (w *Writer) recover(checkpoint []byte) error {
	cp, err := ParseCheckpoint(checkpoint)
	if err != nil {
		return fmt.Errorf("%w (move the wire state file away to start afresh)", err)
	}
	// since: files modified after it are unacknowledged.
	var since time.Time
	var haveSince bool
	if cp != nil {
		since, haveSince = time.Unix(0, cp.Time), true
	} else if b, err := os.ReadFile(filepath.Join(w.o.Dir, w.marker())); err == nil {
		if ns, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			since, haveSince = time.Unix(0, ns), true
		}
	}
	ents, err := os.ReadDir(w.o.Dir)
	if err != nil {
		return fmt.Errorf("logger: %w", err)
	}
	byIno := map[uint64]*FileMark{}
	byName := map[string]*FileMark{}
	if cp != nil {
		for i := range cp.Files {
			m := &cp.Files[i]
			if m.Ino != 0 {
				byIno[m.Ino] = m
			}
			byName[m.Name] = m
		}
	}
	now := w.now()
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() {
			continue
		}
		path, archive, live := classify(name)
		if path == "" || w.o.Owns != nil && !w.o.Owns(path) {
			continue
		}
		full := filepath.Join(w.o.Dir, name)
		fi, err := os.Stat(full)
		if err != nil {
			return fmt.Errorf("logger: %w", err)
		}
		ino := fileInode(fi)
		m := byName[name]
		if ino != 0 {
			m = byIno[ino]
		}
		if m != nil && (ino != 0 || m.Name == name) {
			if err := w.recoverKnown(name, live, archive, fi, m, now); err != nil {
				return err
			}
			continue
		}
		if haveSince && !fi.ModTime().Before(since.Add(-unackedSlack)) {
			w.logf("logger: removing %s: written after the last commit, its records will be resent", name)
			if err := os.Remove(full); err != nil {
				return fmt.Errorf("logger: %w", err)
			}
			w.st.Discarded++
			continue
		}
		if err := w.archiveLeftover(name, path, archive, fi); err != nil {
			return err
		}
	}
	if err := syncDir(w.o.Dir); err != nil {
		return fmt.Errorf("logger: %w", err)
	}
	// Mark this run's start, so that a crash before the first commit
	// discards only what this run wrote.
	stamp := []byte(strconv.FormatInt(time.Now().UnixNano(), 10) + "\n")
	if err := writeFileAtomic(w.o.Dir, w.marker(), stamp); err != nil {
		return fmt.Errorf("logger: %w", err)
	}
	return nil
}

func (w *Writer) marker() string {
	if w.o.Name == "" {
		return runMarkerName
	}
	return runMarkerName + "." + w.o.Name
}

// classify returns the stream path of a live file ("conn.log"), or the
// archive name of a pending file; neither for other files.
func classify(name string) (path, archive string, live bool) {
	if strings.HasPrefix(name, pendingPrefix) {
		a, ok := archiveFromPending(name)
		if !ok {
			return "", "", false
		}
		base := a[strings.IndexByte(a, '/')+1:]
		return base[:max(strings.IndexByte(base, '.'), 0)], a, false
	}
	if p, ok := strings.CutSuffix(name, ".log"); ok && ValidPath(p) {
		return p, "", true
	}
	return "", "", false
}

func (w *Writer) recoverKnown(name string, live bool, archive string, fi os.FileInfo, m *FileMark, now time.Time) error {
	full := filepath.Join(w.o.Dir, name)
	if fi.Size() < m.Size {
		w.logf("logger: %s is %d bytes, shorter than its checkpointed %d (kept as it is)", name, fi.Size(), m.Size)
	} else if fi.Size() > m.Size {
		if err := os.Truncate(full, m.Size); err != nil {
			return fmt.Errorf("logger: truncate %s: %w", name, err)
		}
		w.logf("logger: %s: truncated %d unacknowledged bytes (they will be resent)", name, fi.Size()-m.Size)
	}
	open := time.Unix(0, m.Open).In(w.o.Location)
	if live && m.Close == 0 && m.Name == name {
		if rot := nextRotation(open, w.o.Rotation); rot.IsZero() || now.Before(rot) {
			lf, err := reopenFile(w.o.Dir, m)
			if err != nil {
				return fmt.Errorf("logger: %w", err)
			}
			lf.rotate = rot
			w.files[lf.path] = lf
			return nil
		}
	}
	closeT := fi.ModTime().In(w.o.Location)
	if m.Close != 0 {
		closeT = time.Unix(0, m.Close).In(w.o.Location)
	} else if rot := nextRotation(open, w.o.Rotation); !rot.IsZero() && rot.Before(closeT) {
		closeT = rot
	}
	if archive == "" {
		archive = uniqueArchive(w.o.Dir, ArchiveName(m.Path, open, closeT), w.claimed)
	}
	return w.finishLeftover(name, m.Format, archive, closeT)
}

// archiveLeftover archives a file no checkpoint covers, as it is.
func (w *Writer) archiveLeftover(name, path, archive string, fi os.FileInfo) error {
	head := readHead(filepath.Join(w.o.Dir, name))
	format := zeeklog.JSON
	if bytes.HasPrefix(head, []byte("#separator")) {
		format = zeeklog.TSV
	}
	closeT := fi.ModTime().In(w.o.Location)
	if archive == "" {
		open := closeT
		if t, ok := headerOpen(head, w.o.Location); ok {
			open = t
		}
		archive = uniqueArchive(w.o.Dir, ArchiveName(path, open, closeT), w.claimed)
	}
	w.logf("logger: archiving leftover %s as %s", name, archive)
	return w.finishLeftover(name, format, archive, closeT)
}

// finishLeftover appends #close to a TSV file that lacks it and archives
// it now.
func (w *Writer) finishLeftover(name string, format zeeklog.Format, archive string, closeT time.Time) error {
	full := filepath.Join(w.o.Dir, name)
	if format == zeeklog.TSV && !endsWithClose(full) {
		f, err := os.OpenFile(full, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return fmt.Errorf("logger: %w", err)
		}
		_, err = f.Write(zeeklog.AppendClose(nil, closeT))
		if err == nil {
			err = f.Sync()
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("logger: close leftover %s: %w", name, err)
		}
	}
	if err := archiveFile(w.o.Dir, name, archive); err != nil {
		return fmt.Errorf("logger: %w", err)
	}
	w.st.Leftovers++
	w.st.Archived++
	return nil
}

func readHead(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b := make([]byte, 8<<10)
	n, _ := f.Read(b)
	return b[:n]
}

// headerOpen reads the #open time of a TSV header.
func headerOpen(head []byte, loc *time.Location) (time.Time, bool) {
	i := bytes.Index(head, []byte("\n#open\t"))
	if i < 0 {
		return time.Time{}, false
	}
	rest := head[i+7:]
	if j := bytes.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	t, err := time.ParseInLocation("2006-01-02-15-04-05", string(rest), loc)
	return t, err == nil
}

// endsWithClose reports whether the file's last line is a #close line.
func endsWithClose(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return false
	}
	off := max(fi.Size()-64, 0)
	b := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(b, off); err != nil {
		return false
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	i := bytes.LastIndexByte(b, '\n')
	return bytes.HasPrefix(b[i+1:], []byte("#close\t"))
}

// writeFileAtomic writes dir/name through a synced temporary file and a
// rename.
func writeFileAtomic(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}
