package proxy

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Names of the shared sets xsensor keeps, as Zeek's Known::hosts and
// Known::services.
const (
	SetKnownHosts    = "known_hosts"
	SetKnownServices = "known_services"
)

// Entry is one member of a shared set: what a worker inserts, what
// proxies relay around the ring and push down to workers.
//
// An Entry is a plain value; it is safe to copy.
type Entry struct {
	Set    string // SetKnownHosts, SetKnownServices, …
	Key    string // the member ("10.0.0.1"; "10.0.0.1/80/tcp")
	Origin string // node that inserted it first
	TS     int64  // network time the inserting worker saw it, ns
	// Info is set-specific detail logged with the member (the service
	// list of a known service); it is not part of the identity.
	Info string
	// Decided is set once the proxy that owns Key (rendezvous hashing
	// over the live proxies) has accepted it as new and logged it; a
	// decided entry is never logged again, wherever it travels.
	Decided bool
}

const flagDecided = 1

// ErrEntry is wrapped by every entry decoding error.
var ErrEntry = errors.New("malformed state entry")

// AppendBody appends the StateOp body of e: flags u8 | ts i64 |
// key str16 | info (rest). Set and Origin travel in the StateOp header.
func AppendBody(dst []byte, e *Entry) []byte {
	var f byte
	if e.Decided {
		f |= flagDecided
	}
	dst = append(dst, f)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(e.TS))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(e.Key)))
	dst = append(dst, e.Key...)
	return append(dst, e.Info...)
}

// ParseBody decodes a StateOp body into e (Set and Origin are left as
// they are). It never panics.
func ParseBody(b []byte, e *Entry) error {
	if len(b) < 11 {
		return fmt.Errorf("%w: %d bytes", ErrEntry, len(b))
	}
	e.Decided = b[0]&flagDecided != 0
	e.TS = int64(binary.LittleEndian.Uint64(b[1:9]))
	n := int(binary.LittleEndian.Uint16(b[9:11]))
	if len(b) < 11+n || n == 0 {
		return fmt.Errorf("%w: key of %d bytes in %d", ErrEntry, n, len(b))
	}
	e.Key = string(b[11 : 11+n])
	e.Info = string(b[11+n:])
	return nil
}

// MaxKeyLen bounds a key (it must fit the str16 and a frame).
const MaxKeyLen = 4096

func (e *Entry) id() string { return e.Set + "\x00" + e.Key }
