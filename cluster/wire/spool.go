package wire

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// spool is a Sender's disk overflow: append-only segment files of frames,
// each record "length u32 | crc32c u32 | frame", named by the sequence of
// their first frame so that a directory listing is in sequence order.
// Records are read back in order into memory as room frees up; a segment
// is deleted once every frame in it is loaded and acknowledged. Owned by
// one Sender and guarded by its mutex.
type spool struct {
	dir      string
	max      int64 // bytes on disk allowed
	segMax   int64
	segs     []*segment
	w        *os.File // appends to segs[len-1]
	wbuf     *bufio.Writer
	r        *os.File // reads segs[ri]
	rbuf     *bufio.Reader
	ri       int
	roff     int64
	bytes    int64 // on disk
	pending  int   // records not yet loaded
	epoch    uint64
	reserved uint64 // sequences below this may have been used in epoch
	torn     int    // records dropped at open (torn or corrupt tails)
}

type segment struct {
	path        string
	first, last uint64
	size        int64
	n           int
}

const (
	spoolRecHdr   = 8
	sessionName   = "session"
	seqReserve    = 1 << 16
	segPrefix     = "seg-"
	segSuffix     = ".spool"
	defaultSegMax = 4 << 20
)

func segName(first uint64) string { return fmt.Sprintf("%s%020d%s", segPrefix, first, segSuffix) }

// openSpool opens or creates dir. With leftover segments it keeps their
// epoch, so the receiver still recognises their sequences; otherwise it
// starts a new epoch.
func openSpool(dir string, max int64) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	sp := &spool{dir: dir, max: max, segMax: min(defaultSegMax, max/4+1)}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); strings.HasPrefix(n, segPrefix) && strings.HasSuffix(n, segSuffix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		seg, err := sp.scan(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		if seg.n == 0 {
			os.Remove(seg.path)
			continue
		}
		sp.segs = append(sp.segs, seg)
		sp.bytes += seg.size
		sp.pending += seg.n
	}
	b, err := os.ReadFile(filepath.Join(dir, sessionName))
	if len(sp.segs) > 0 && err == nil && len(b) == 16 {
		sp.epoch = binary.LittleEndian.Uint64(b)
		sp.reserved = binary.LittleEndian.Uint64(b[8:])
		if last := sp.segs[len(sp.segs)-1].last; sp.reserved <= last {
			sp.reserved = last + 1
		}
	} else {
		for _, s := range sp.segs {
			os.Remove(s.path)
		}
		sp.segs, sp.bytes, sp.pending = nil, 0, 0
		var e [8]byte
		rand.Read(e[:])
		sp.epoch = binary.LittleEndian.Uint64(e[:]) | 1
		sp.reserved = 1
	}
	return sp, nil
}

// scan validates a segment, truncating a torn or corrupt tail.
func (sp *spool) scan(path string) (*segment, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	seg := &segment{path: path}
	br := bufio.NewReader(f)
	var off int64
	buf := make([]byte, 0, 64<<10)
	for {
		frame, err := readRecord(br, &buf)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				sp.torn++
				if err := f.Truncate(off); err != nil {
					return nil, fmt.Errorf("truncate torn spool %s: %w", path, err)
				}
			}
			break
		}
		seq := binary.LittleEndian.Uint64(frame[HeaderLen:])
		if seg.n == 0 {
			seg.first = seq
		}
		seg.last = seq
		seg.n++
		off += int64(spoolRecHdr + len(frame))
	}
	seg.size = off
	return seg, nil
}

// readRecord reads one record into *buf and returns its frame.
func readRecord(r io.Reader, buf *[]byte) ([]byte, error) {
	var h [spoolRecHdr]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("torn record header")
		}
		return nil, err
	}
	n := binary.LittleEndian.Uint32(h[:])
	if n < HeaderLen+8 || n > MaxFrameBytes+HeaderLen {
		return nil, errors.New("bad record length")
	}
	if cap(*buf) < int(n) {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, errors.New("torn record")
	}
	if crc32.Checksum(b, crcTable) != binary.LittleEndian.Uint32(h[4:]) {
		return nil, errors.New("record checksum mismatch")
	}
	if _, _, err := ParseHeader(b); err != nil || !Type(b[0]).Sequenced() {
		return nil, errors.New("bad record frame")
	}
	return b, nil
}

// reserve makes sure seq < reserved is recorded on disk before seq is used,
// so a restarted Sender in the same epoch never reuses a sequence.
func (sp *spool) reserve(seq uint64) error {
	if seq < sp.reserved {
		return nil
	}
	sp.reserved = seq + seqReserve
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], sp.epoch)
	binary.LittleEndian.PutUint64(b[8:], sp.reserved)
	return writeFileAtomic(sp.dir, sessionName, b[:])
}

func (sp *spool) room(frameLen int) bool {
	return sp.bytes+int64(spoolRecHdr+frameLen) <= sp.max
}

// append writes one frame (a sequenced frame whose seq follows every
// spooled one).
func (sp *spool) append(frame []byte, seq uint64) error {
	// A segment holds one contiguous run of sequences, so that segments
	// sorted by first sequence replay in sequence order even when frames
	// between them lived only in memory (and are written back at Close).
	if sp.w == nil || sp.segs[len(sp.segs)-1].size >= sp.segMax || sp.segs[len(sp.segs)-1].last+1 != seq {
		if err := sp.rotate(seq); err != nil {
			return err
		}
	}
	var h [spoolRecHdr]byte
	binary.LittleEndian.PutUint32(h[:], uint32(len(frame)))
	binary.LittleEndian.PutUint32(h[4:], crc32.Checksum(frame, crcTable))
	sp.wbuf.Write(h[:])
	if _, err := sp.wbuf.Write(frame); err != nil {
		return fmt.Errorf("spool append: %w", err)
	}
	seg := sp.segs[len(sp.segs)-1]
	if seg.n == 0 {
		seg.first = seq
	}
	seg.last = seq
	seg.n++
	n := int64(spoolRecHdr + len(frame))
	seg.size += n
	sp.bytes += n
	sp.pending++
	return nil
}

func (sp *spool) rotate(first uint64) error {
	if err := sp.closeWriter(true); err != nil {
		return err
	}
	path := filepath.Join(sp.dir, segName(first))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	sp.w, sp.wbuf = f, bufio.NewWriterSize(f, 64<<10)
	sp.segs = append(sp.segs, &segment{path: path, first: first})
	return nil
}

func (sp *spool) closeWriter(sync bool) error {
	if sp.w == nil {
		return nil
	}
	err := sp.wbuf.Flush()
	if sync && err == nil {
		err = sp.w.Sync()
	}
	if cerr := sp.w.Close(); err == nil {
		err = cerr
	}
	sp.w, sp.wbuf = nil, nil
	return err
}

// next returns the next pending frame (valid until the next call), or nil.
func (sp *spool) next(buf *[]byte) ([]byte, error) {
	if sp.pending == 0 {
		return nil, nil
	}
	if sp.wbuf != nil {
		if err := sp.wbuf.Flush(); err != nil {
			return nil, err
		}
	}
	for sp.ri < len(sp.segs) {
		seg := sp.segs[sp.ri]
		if sp.r == nil {
			f, err := os.Open(seg.path)
			if err != nil {
				return nil, fmt.Errorf("spool: %w", err)
			}
			if _, err := f.Seek(sp.roff, io.SeekStart); err != nil {
				f.Close()
				return nil, err
			}
			sp.r, sp.rbuf = f, bufio.NewReaderSize(f, 64<<10)
		}
		if sp.roff < seg.size {
			frame, err := readRecord(sp.rbuf, buf)
			if err != nil {
				return nil, fmt.Errorf("spool read %s: %w", seg.path, err)
			}
			sp.roff += int64(spoolRecHdr + len(frame))
			sp.pending--
			return frame, nil
		}
		if sp.ri == len(sp.segs)-1 && sp.w != nil {
			return nil, nil // caught up with the writer
		}
		sp.r.Close()
		sp.r, sp.rbuf = nil, nil
		sp.ri++
		sp.roff = 0
	}
	return nil, nil
}

// acked deletes segments fully loaded and acknowledged up to seq.
func (sp *spool) acked(seq uint64) {
	for len(sp.segs) > 0 {
		seg := sp.segs[0]
		loaded := sp.ri > 0 || (sp.ri == 0 && sp.roff >= seg.size && seg.size > 0)
		if !loaded || seg.last > seq {
			return
		}
		if len(sp.segs) == 1 && sp.w != nil {
			sp.closeWriter(false)
		}
		if sp.ri == 0 && sp.r != nil {
			sp.r.Close()
			sp.r, sp.rbuf = nil, nil
			sp.roff = 0
		}
		os.Remove(seg.path)
		sp.bytes -= seg.size
		sp.segs = sp.segs[1:]
		if sp.ri > 0 {
			sp.ri--
		}
	}
}

// writeBack stores a contiguous run of frames that live only in memory in
// its own segment, at Close.
func (sp *spool) writeBack(frames [][]byte) error {
	if len(frames) == 0 {
		return nil
	}
	first := binary.LittleEndian.Uint64(frames[0][HeaderLen:])
	path := filepath.Join(sp.dir, segName(first)+".tmp")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	for _, fr := range frames {
		var h [spoolRecHdr]byte
		binary.LittleEndian.PutUint32(h[:], uint32(len(fr)))
		binary.LittleEndian.PutUint32(h[4:], crc32.Checksum(fr, crcTable))
		bw.Write(h[:])
		bw.Write(fr)
	}
	if err = bw.Flush(); err == nil {
		err = f.Sync()
	}
	f.Close()
	if err != nil {
		return fmt.Errorf("spool write back: %w", err)
	}
	return os.Rename(path, strings.TrimSuffix(path, ".tmp"))
}

func (sp *spool) close() error {
	if sp.r != nil {
		sp.r.Close()
	}
	err := sp.closeWriter(true)
	if serr := syncDir(sp.dir); err == nil {
		err = serr
	}
	return err
}
