package logger

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/conncodec"
	"xsensor/cluster/wire"
)

// Options configure a Writer.
type Options struct {
	// Dir is the log directory (xsensor.cfg LogDir). Live files are
	// Dir/<path>.log; archives go to Dir/YYYY-MM-DD/.
	Dir string
	// Rotation is the rotation interval (LogRotationInterval); 0 never
	// rotates. With rotation on, Close archives the live files too (as
	// Zeek does when it terminates); without, Close leaves them in place
	// with their #close line.
	Rotation time.Duration
	// Schemas gives the TSV header of each path. A TSV stream without a
	// schema is still written, with a header lacking #fields and #types
	// (and a warning once).
	Schemas map[string]*zeeklog.Schema
	// Location for #open/#close and archive names; default time.Local.
	Location *time.Location
	// Now is the clock for open times and rotation; default time.Now.
	Now func() time.Time
	// Committed, when set, returns how many commits the wire Server has
	// made durable (Server.Stats().Commits). A rotated file is archived
	// only after a commit that covers all of it, so a crash can never
	// leave in an archive records that the senders will resend. Nil
	// archives at once (no wire Server, or one without a StateDir).
	Committed func() uint64
	// Owns tells which streams this Writer manages in Dir, when several
	// processes share it (the manager writes notice, stats and
	// capture_loss beside a logger; several loggers on one host split
	// the streams): Recover leaves other files alone. Nil owns all.
	Owns func(path string) bool
	// Name tells apart the run markers of Writers sharing Dir.
	Name string
	// Log receives rotation, archive and recovery events.
	Log func(format string, args ...any)
}

// Stats are cumulative counters, except Files and Pending.
type Stats struct {
	Batches, Records, Bytes uint64 // written
	Dropped, DroppedRecords uint64 // batches refused (bad path, partial record, format clash)
	Rotations, Archived     uint64
	ArchiveErrors           uint64
	Discarded               uint64 // unacknowledged files removed by Recover
	Leftovers               uint64 // files archived by Recover
	Files, Pending          int    // live files; rotated files waiting for their archive
}

// Writer writes one file per log stream into a directory, rotates the
// files into zstd archives on an interval, and keeps a checkpoint of
// what is durable so that a restart resumes without loss or duplicates.
//
// All methods are safe for concurrent use (one mutex; compression runs
// outside it on the Writer's own goroutine). A wire Server serializes
// Write and Sync already; the mutex also orders them with rotation.
type Writer struct {
	o Options

	mu         sync.Mutex
	files      map[string]*logFile
	pending    []*pendingFile
	syncCommit uint64 // Committed() during the last Sync
	anySync    bool
	warned     map[string]bool
	st         Stats
	closed     bool

	wake chan struct{}
	done chan struct{}
	wg   sync.WaitGroup
}

// pendingFile is a rotated file waiting for its archive. stamp is the
// commit count after which all of it is acknowledged (0: not yet known).
type pendingFile struct {
	mark  FileMark
	stamp uint64
	busy  bool
}

// Open recovers the directory against checkpoint (what the wire
// Server's Checkpoint returned; nil when there is none), then starts the
// rotation and archive goroutine. See Recover for what happens to the
// files already there.
func Open(o Options, checkpoint []byte) (*Writer, error) {
	if o.Dir == "" {
		return nil, errors.New("logger: no log directory")
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rotation < 0 {
		return nil, fmt.Errorf("logger: negative rotation interval %v", o.Rotation)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("logger: %w", err)
	}
	w := &Writer{o: o, files: map[string]*logFile{}, warned: map[string]bool{},
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	if err := w.recover(checkpoint); err != nil {
		w.closeFiles()
		return nil, err
	}
	w.wg.Add(1)
	go w.loop()
	return w, nil
}

func (w *Writer) logf(format string, args ...any) {
	if w.o.Log != nil {
		w.o.Log(format, args...)
	}
}

func (w *Writer) now() time.Time { return w.o.Now().In(w.o.Location) }

// Stats returns the counters.
func (w *Writer) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.st
	s.Files, s.Pending = len(w.files), len(w.pending)
	return s
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("logger: writer closed")

// WriteBatch writes a log batch frame to the file of its Path (its
// Stream when Path is empty). A batch that cannot be written as
// it is (bad path, records not ending in a newline, a format different
// from the open file's) is dropped and counted, not refused: refusing
// would make the sender resend it forever. Only I/O errors are returned.
func (w *Writer) WriteBatch(m *wire.Message) error {
	path := m.Path
	if len(path) == 0 {
		path = m.Stream
	}
	if m.Format&conncodec.FormatColumns != 0 {
		return w.writeConnColumns(path, m)
	}
	return w.Write(path, zeeklog.Format(m.Format), m.Body, int(m.Count))
}

// Write appends records (whole encoded records of one stream, count of
// them) to the stream's file, creating it with its header first.
func (w *Writer) Write(path []byte, format zeeklog.Format, records []byte, count int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	lf := w.files[string(path)]
	if lf != nil && !lf.rotate.IsZero() {
		if now := w.now(); !now.Before(lf.rotate) {
			w.rotateLocked(lf, lf.rotate)
			lf = nil
		}
	}
	if len(records) == 0 {
		return nil
	}
	if records[len(records)-1] != '\n' || format > zeeklog.JSON || lf != nil && lf.format != format {
		w.drop(path, count, "partial record or format different from the open file's")
		return nil
	}
	if lf == nil {
		p := string(path)
		if !ValidPath(p) {
			w.drop(path, count, "invalid stream path")
			return nil
		}
		schema := w.o.Schemas[p]
		if schema == nil && format == zeeklog.TSV && !w.warned[p] {
			w.warned[p] = true
			w.logf("logger: no schema for %s: its TSV header lacks #fields and #types", p)
		}
		open := w.now()
		var err error
		if lf, err = createFile(w.o.Dir, p, format, schema, open); err != nil {
			return err
		}
		lf.rotate = nextRotation(open, w.o.Rotation)
		w.files[p] = lf
	}
	if err := lf.write(records); err != nil {
		return err
	}
	w.st.Batches++
	w.st.Records += uint64(count)
	w.st.Bytes += uint64(len(records))
	return nil
}

func (w *Writer) drop(path []byte, count int, why string) {
	w.st.Dropped++
	w.st.DroppedRecords += uint64(count)
	if !w.warned["\x00drop"] {
		w.warned["\x00drop"] = true
		w.logf("logger: dropped a batch of %d records for %q: %s (further drops only counted)", count, path, why)
	}
}

// Sync implements wire.Syncer: it writes out and fsyncs every live file
// and returns the checkpoint of the live and pending files.
func (w *Writer) Sync() ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs []error
	cp := Checkpoint{Version: checkpointVersion, Time: time.Now().UnixNano()}
	for _, lf := range w.files {
		if err := lf.sync(); err != nil {
			errs = append(errs, err)
			continue
		}
		cp.Files = append(cp.Files, lf.mark())
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("logger sync: %w", err)
	}
	var c uint64
	if w.o.Committed != nil {
		c = w.o.Committed()
	}
	for _, p := range w.pending {
		if p.stamp == 0 {
			p.stamp = c + 1
		}
		cp.Files = append(cp.Files, p.mark)
	}
	w.syncCommit, w.anySync = c, true
	return cp.Marshal(), nil
}

// Rotate rotates every live file whose interval has ended (the Writer's
// goroutine calls it each second; tests with a fake clock call it).
func (w *Writer) Rotate() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	now := w.now()
	for _, lf := range w.files {
		if !lf.rotate.IsZero() && !now.Before(lf.rotate) {
			w.rotateLocked(lf, lf.rotate)
		}
	}
}

// rotateLocked closes lf with #close at closeTime, renames it to its
// pending name and queues the archive.
func (w *Writer) rotateLocked(lf *logFile, closeTime time.Time) {
	delete(w.files, lf.path)
	size := lf.size
	covered, err := lf.finish(closeTime)
	if err != nil {
		w.logf("logger: rotate %s: %v", lf.name, err)
	}
	archive := uniqueArchive(w.o.Dir, ArchiveName(lf.path, lf.open, closeTime.In(w.o.Location)), w.claimed)
	pn := pendingName(archive)
	if err := os.Rename(filepath.Join(w.o.Dir, lf.name), filepath.Join(w.o.Dir, pn)); err != nil {
		// The file keeps its live name; Recover will find it at the next start.
		w.logf("logger: rotate %s: %v (left in place; it is archived at the next start)", lf.name, err)
		w.st.ArchiveErrors++
		return
	}
	if err := syncDir(w.o.Dir); err != nil {
		w.logf("logger: rotate %s: %v", lf.name, err)
	}
	m := lf.mark()
	m.Name, m.Size, m.Close, m.Archive = pn, size, closeTime.UnixNano(), archive
	p := &pendingFile{mark: m}
	if covered && w.anySync {
		p.stamp = w.syncCommit + 1
	}
	w.pending = append(w.pending, p)
	w.st.Rotations++
	w.poke()
}

func (w *Writer) claimed(archive string) bool {
	for _, p := range w.pending {
		if p.mark.Archive == archive {
			return true
		}
	}
	return false
}

func (w *Writer) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Writer) ready(p *pendingFile) bool {
	if w.o.Committed == nil {
		return true
	}
	return p.stamp != 0 && w.o.Committed() >= p.stamp
}

// archivePending archives the pending files that are ready (all, when
// force), outside the lock.
func (w *Writer) archivePending(force bool) {
	w.mu.Lock()
	var todo []*pendingFile
	for _, p := range w.pending {
		if !p.busy && (force || w.ready(p)) {
			p.busy = true
			todo = append(todo, p)
		}
	}
	w.mu.Unlock()
	for _, p := range todo {
		err := archiveFile(w.o.Dir, p.mark.Name, p.mark.Archive)
		w.mu.Lock()
		p.busy = false
		if err != nil {
			w.st.ArchiveErrors++
			w.logf("logger: %v (retrying)", err)
		} else {
			w.st.Archived++
			for i, q := range w.pending {
				if q == p {
					w.pending = append(w.pending[:i], w.pending[i+1:]...)
					break
				}
			}
		}
		w.mu.Unlock()
	}
}

func (w *Writer) loop() {
	defer w.wg.Done()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-w.done:
			return
		case <-w.wake:
		case <-tick.C:
		}
		if time.Since(last) >= time.Second {
			last = time.Now()
			w.Rotate()
		}
		w.archivePending(false)
	}
}

// Close stops the Writer. With rotation on it rotates and archives every
// live file; without, it writes #close and leaves them. Call it after
// the wire Server is closed (its final commit covers everything
// written), so archiving everything now is safe.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	close(w.done)
	w.wg.Wait()

	w.mu.Lock()
	var errs []error
	now := w.now()
	for _, lf := range w.files {
		if w.o.Rotation > 0 {
			w.rotateLocked(lf, now)
			continue
		}
		if _, err := lf.finish(now); err != nil {
			errs = append(errs, err)
		}
		delete(w.files, lf.path)
	}
	w.mu.Unlock()
	w.archivePending(true)
	w.mu.Lock()
	if len(w.pending) > 0 {
		errs = append(errs, fmt.Errorf("logger: %d rotated files not archived (archived at the next start)", len(w.pending)))
	}
	w.mu.Unlock()
	return errors.Join(errs...)
}

// abort drops the Writer like a crash: buffered bytes are lost, nothing
// is closed properly (tests).
func (w *Writer) abort() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	close(w.done)
	w.wg.Wait()
	w.closeFiles()
}

func (w *Writer) closeFiles() {
	for _, lf := range w.files {
		lf.f.Close()
	}
	w.files = map[string]*logFile{}
}
