package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
)

// marks are the receiver's de-duplication high-water marks: per sending
// node, its sequence epoch and the highest sequence taken per stream.
// Guarded by Server.handleMu.
type marks map[string]*nodeMarks

type nodeMarks struct {
	epoch   uint64
	streams map[string]uint64
}

// of returns the marks of p's node, starting afresh when p announces a
// new epoch (the sender restarted without a spool).
func (m marks) of(p *Peer) *nodeMarks {
	nm := m[p.Name]
	if nm == nil || nm.epoch != p.Epoch {
		nm = &nodeMarks{epoch: p.Epoch, streams: map[string]uint64{}}
		m[p.Name] = nm
	}
	return nm
}

// advance records msg as taken. The key string is allocated only the
// first time a stream is seen.
func (m marks) advance(nm *nodeMarks, msg *Message) {
	key := dedupKey(msg)
	if _, ok := nm.streams[string(key)]; ok {
		nm.streams[string(key)] = msg.Seq
		return
	}
	nm.streams[string(key)] = msg.Seq
}

// take is the de-duplication step of the read loop without a handler
// (benchmarks): it reports whether msg is new and records it.
func (s *Server) take(p *Peer, msg *Message) bool {
	nm := s.marks.of(p)
	if msg.Seq <= nm.streams[string(dedupKey(msg))] {
		return false
	}
	s.marks.advance(nm, msg)
	return true
}

// StateFileName is the receiver's state file inside ServerOptions.StateDir.
const StateFileName = "wire.state"

var stateMagic = [4]byte{'X', 'S', 'S', 'T'}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// encodeState lays out: magic | checkpoint str32 | nodes u32 |
// { name str8 | epoch u64 | streams u32 | { key str8 | seq u64 } } | crc32c.
func encodeState(m marks, checkpoint []byte) []byte {
	b := append([]byte(nil), stateMagic[:]...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(checkpoint)))
	b = append(b, checkpoint...)
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(names)))
	for _, n := range names {
		nm := m[n]
		b = append(b, byte(len(n)))
		b = append(b, n...)
		b = binary.LittleEndian.AppendUint64(b, nm.epoch)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(nm.streams)))
		for k, s := range nm.streams {
			b = append(b, byte(len(k)))
			b = append(b, k...)
			b = binary.LittleEndian.AppendUint64(b, s)
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

// decodeState parses a state file. It never panics.
func decodeState(b []byte) (marks, []byte, error) {
	if len(b) < 16 || [4]byte(b[:4]) != stateMagic {
		return nil, nil, errors.New("not a wire state file")
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, nil, errors.New("checksum mismatch")
	}
	r := reader{b: body[4:]}
	cp := r.take(int(r.u32()))
	n := r.u32()
	m := marks{}
	for i := uint32(0); i < n && !r.bad; i++ {
		name := string(r.str8())
		nm := &nodeMarks{epoch: r.u64(), streams: map[string]uint64{}}
		k := r.u32()
		for j := uint32(0); j < k && !r.bad; j++ {
			key := string(r.str8())
			nm.streams[key] = r.u64()
		}
		m[name] = nm
	}
	if r.bad || len(r.b) != 0 {
		return nil, nil, errors.New("truncated or trailing data")
	}
	return m, append([]byte(nil), cp...), nil
}

// writeFileAtomic writes data to dir/name through a synced temporary file
// and a rename, then syncs dir, so a crash leaves the old or the new file.
func writeFileAtomic(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
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

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
