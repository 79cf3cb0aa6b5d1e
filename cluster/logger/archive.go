package logger

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Archive names follow zeek-archiver: the open date is the directory,
// the file is "<path>.<open HH:MM:SS>-<close HH:MM:SS>.log", and the
// compressor's extension follows. Times are in the Writer's Location
// (local time, as Zeek's rotation timestamps).
const (
	archiveExt    = ".zst"
	pendingPrefix = ".pending."
	runMarkerName = ".logger-run"
)

// ArchiveName returns the archive of a path's file open from open to
// close, relative to the log directory:
// "2024-01-02/conn.10:00:00-11:00:00.log.zst".
func ArchiveName(path string, open, close time.Time) string {
	return open.Format("2006-01-02") + "/" + path + "." + open.Format("15:04:05") + "-" + close.Format("15:04:05") + ".log" + archiveExt
}

// uniqueArchive returns name, or name with "-N" before ".log.zst" when
// an archive of that name exists or is claimed by a pending file
// (restarts within one interval).
func uniqueArchive(dir, name string, claimed func(string) bool) string {
	cand := name
	for i := 1; ; i++ {
		if !claimed(cand) {
			if _, err := os.Lstat(filepath.Join(dir, cand)); errors.Is(err, fs.ErrNotExist) {
				return cand
			}
		}
		cand = strings.TrimSuffix(name, ".log"+archiveExt) + "-" + strconv.Itoa(i) + ".log" + archiveExt
	}
}

// pendingName is the file a rotated log waits under, in the log
// directory, until it is archived: ".pending.<date>.<archive file>"
// without the compressor's extension, so the archive name can be read
// back from it after a crash.
func pendingName(archive string) string {
	return pendingPrefix + strings.Replace(strings.TrimSuffix(archive, archiveExt), "/", ".", 1)
}

// archiveFromPending reverses pendingName.
func archiveFromPending(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, pendingPrefix)
	if !ok || len(rest) < 12 || rest[10] != '.' {
		return "", false
	}
	a := rest[:10] + "/" + rest[11:] + archiveExt
	return a, validArchiveName(a)
}

// nextRotation returns the first interval boundary after open, counting
// intervals from local midnight of open's day as Zeek's rotation timer
// does. It returns the zero time when interval is 0.
func nextRotation(open time.Time, interval time.Duration) time.Time {
	if interval <= 0 {
		return time.Time{}
	}
	y, m, d := open.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, open.Location())
	n := open.Sub(midnight)/interval + 1
	return midnight.Add(n * interval)
}

// archiveFile compresses dir/src into dir/archive through a temporary
// file (zeek-archiver's ".tmp.<name>" in the date directory), fsyncs it,
// renames it into place, fsyncs the directory, then removes src. When
// the archive already exists (a crash after the rename) it only removes
func archiveFile(dir, src, archive string) error {
	final := filepath.Join(dir, archive)
	srcPath := filepath.Join(dir, src)
	if _, err := os.Lstat(final); err == nil {
		return removeSynced(srcPath, dir)
	}
	ddir := filepath.Dir(final)
	if err := os.MkdirAll(ddir, 0o755); err != nil {
		return fmt.Errorf("archive %s: %w", src, err)
	}
	in, err := os.Open(srcPath)
	if err != nil {
		return fmt.Errorf("archive %s: %w", src, err)
	}
	defer in.Close()
	tmp := filepath.Join(ddir, ".tmp."+filepath.Base(final))
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("archive %s: %w", src, err)
	}
	fail := func(err error) error {
		out.Close()
		os.Remove(tmp)
		return fmt.Errorf("archive %s to %s: %w", src, archive, err)
	}
	enc, err := zstd.NewWriter(out, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		return fail(err)
	}
	if _, err := io.Copy(enc, in); err != nil {
		enc.Close()
		return fail(err)
	}
	if err := enc.Close(); err != nil {
		return fail(err)
	}
	if err := out.Sync(); err != nil {
		return fail(err)
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("archive %s to %s: %w", src, archive, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("archive %s to %s: %w", src, archive, err)
	}
	if err := syncDir(ddir); err != nil {
		return fmt.Errorf("archive %s to %s: %w", src, archive, err)
	}
	return removeSynced(srcPath, dir)
}

func removeSynced(path, dir string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
