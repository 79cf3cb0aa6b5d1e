package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"xsensor/analyzer/zeeklog"
)

// logDir is a worker.Sink that writes each stream to DIR/<path>.log,
// creating a file on its first record as Zeek does. Safe for concurrent
// use; workers call it per chunk of records.
type logDir struct {
	dir    string
	format zeeklog.Format
	mu     sync.Mutex
	files  map[string]*zeeklog.File
	err    error
}

func newLogDir(dir string, f zeeklog.Format) (*logDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	return &logDir{dir: dir, format: f, files: map[string]*zeeklog.File{}}, nil
}

func (d *logDir) WriteLog(s *zeeklog.Schema, chunk []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return d.err
	}
	f := d.files[s.Path]
	if f == nil {
		var err error
		if f, err = zeeklog.Create(d.dir, s, d.format, time.Now()); err != nil {
			d.err = err
			return err
		}
		d.files[s.Path] = f
	}
	if err := f.Write(chunk); err != nil {
		d.err = err
	}
	return d.err
}

// Close writes each file's #close line and closes it.
func (d *logDir) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, f := range d.files {
		if err := f.Close(time.Now()); err != nil && d.err == nil {
			d.err = err
		}
	}
	d.files = nil
	return d.err
}
