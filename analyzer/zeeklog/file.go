package zeeklog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// ErrClosed is returned by Write and Close on a closed File.
var ErrClosed = errors.New("zeeklog: log file already closed")

// timestampLayout is Zeek's Ascii::Timestamp format, "%Y-%m-%d-%H-%M-%S".
const timestampLayout = "2006-01-02-15-04-05"

// AppendHeader appends the TSV header block Zeek's Ascii writer starts a
// file with. The #open time is written in t's location (Zeek uses local
// time).
func AppendHeader(dst []byte, s *Schema, t time.Time) []byte {
	dst = append(dst, "#separator \\x09\n"...)
	dst = append(dst, "#set_separator\t,\n"...)
	dst = append(dst, "#empty_field\t(empty)\n"...)
	dst = append(dst, "#unset_field\t-\n"...)
	dst = append(dst, "#path\t"...)
	dst = appendTSVString(dst, s.Path, false)
	dst = append(dst, "\n#open\t"...)
	dst = t.AppendFormat(dst, timestampLayout)
	dst = append(dst, "\n#fields"...)
	for _, f := range s.Fields {
		dst = append(dst, '\t')
		dst = append(dst, f.Name...)
	}
	dst = append(dst, "\n#types"...)
	for _, f := range s.Fields {
		dst = append(dst, '\t')
		dst = append(dst, f.Type.String()...)
	}
	return append(dst, '\n')
}

// AppendClose appends the "#close" line that ends a TSV file.
func AppendClose(dst []byte, t time.Time) []byte {
	dst = append(dst, "#close\t"...)
	dst = t.AppendFormat(dst, timestampLayout)
	return append(dst, '\n')
}

// File is one log stream on disk, dir/<path>.log. It is safe for
// concurrent use: workers hand it whole batches of encoded records (never
// single packets' worth), and each batch is written with one write call
// under a mutex, so batches never interleave.
type File struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	format Format
}

// Create creates (or truncates) dir/<s.Path>.log and, for TSV, writes the
// header block with openTime as #open.
func Create(dir string, s *Schema, f Format, openTime time.Time) (*File, error) {
	if s.Path == "" {
		return nil, errors.New("create log file: schema has no path")
	}
	path := filepath.Join(dir, s.Path+".log")
	fd, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return nil, fmt.Errorf("create log file %s: %w", path, err)
	}
	if f == TSV {
		if _, err := fd.Write(AppendHeader(nil, s, openTime)); err != nil {
			fd.Close()
			return nil, fmt.Errorf("write header to %s: %w", path, err)
		}
	}
	return &File{f: fd, path: path, format: f}, nil
}

// Path returns the file's name.
func (f *File) Path() string { return f.path }

// Write appends a batch of whole records.
func (f *File) Write(batch []byte) error {
	if len(batch) == 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return ErrClosed
	}
	if _, err := f.f.Write(batch); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	return nil
}

// Close writes the #close line (TSV), flushes the file to disk and
// closes it.
func (f *File) Close(closeTime time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return ErrClosed
	}
	fd := f.f
	f.f = nil
	var errs []error
	if f.format == TSV {
		if _, err := fd.Write(AppendClose(nil, closeTime)); err != nil {
			errs = append(errs, fmt.Errorf("write %s: %w", f.path, err))
		}
	}
	if err := fd.Sync(); err != nil {
		errs = append(errs, fmt.Errorf("sync %s: %w", f.path, err))
	}
	if err := fd.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close %s: %w", f.path, err))
	}
	return errors.Join(errs...)
}
