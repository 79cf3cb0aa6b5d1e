package logger

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"xsensor/analyzer/zeeklog"
)

// logFile is one live log file, LogDir/<path>.log. Writes go through a
// buffer; flush writes it out and fsync makes it durable. size counts
// every byte handed to the file (header and records, buffered or not);
// synced is the size at the last Sync. Guarded by Writer.mu.
type logFile struct {
	name   string // "conn.log"
	path   string // "conn"
	format zeeklog.Format
	f      *os.File
	bw     *bufio.Writer
	ino    uint64
	open   time.Time
	rotate time.Time // zero: never
	size   int64
	synced int64
	ever   bool // synced at least once since opened
}

const fileBufferBytes = 256 << 10

// createFile creates dir/<path>.log, replacing any file of that name,
// and writes the TSV header.
func createFile(dir, path string, format zeeklog.Format, schema *zeeklog.Schema, open time.Time) (*logFile, error) {
	name := path + ".log"
	full := filepath.Join(dir, name)
	f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create log file: %w", err)
	}
	lf := &logFile{name: name, path: path, format: format, f: f, bw: bufio.NewWriterSize(f, fileBufferBytes), open: open}
	lf.ino = inode(f)
	if format == zeeklog.TSV {
		var hdr []byte
		if schema != nil {
			hdr = zeeklog.AppendHeader(nil, schema, open)
		} else {
			hdr = zeeklog.AppendHeader(nil, &zeeklog.Schema{Path: path}, open)
		}
		lf.write(hdr)
	}
	return lf, nil
}

// reopenFile opens an existing file for appending after Recover
// truncated it to size.
func reopenFile(dir string, m *FileMark) (*logFile, error) {
	full := filepath.Join(dir, m.Name)
	f, err := os.OpenFile(full, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("reopen log file: %w", err)
	}
	return &logFile{name: m.Name, path: m.Path, format: m.Format, f: f, bw: bufio.NewWriterSize(f, fileBufferBytes),
		ino: inode(f), open: time.Unix(0, m.Open), size: m.Size, synced: m.Size, ever: true}, nil
}

func (lf *logFile) write(b []byte) error {
	n, err := lf.bw.Write(b)
	lf.size += int64(n)
	if err != nil {
		return fmt.Errorf("write %s: %w", lf.name, err)
	}
	return nil
}

// sync flushes and fsyncs the file.
func (lf *logFile) sync() error {
	if err := lf.bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", lf.name, err)
	}
	if lf.synced == lf.size && lf.ever {
		return nil
	}
	if err := lf.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", lf.name, err)
	}
	lf.synced, lf.ever = lf.size, true
	return nil
}

// finish appends #close (TSV), fsyncs and closes the file. It returns
// the durable size of the records (without #close) at the time of
// closing and whether the content was already covered by the last Sync.
func (lf *logFile) finish(closeTime time.Time) (covered bool, err error) {
	covered = lf.ever && lf.synced == lf.size && lf.bw.Buffered() == 0
	if lf.format == zeeklog.TSV {
		lf.bw.Write(zeeklog.AppendClose(nil, closeTime))
	}
	if err = lf.bw.Flush(); err == nil {
		err = lf.f.Sync()
	}
	if cerr := lf.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("close %s: %w", lf.name, err)
	}
	return covered, nil
}

func (lf *logFile) mark() FileMark {
	return FileMark{Name: lf.name, Path: lf.path, Format: lf.format, Ino: lf.ino, Open: lf.open.UnixNano(), Size: lf.synced}
}
