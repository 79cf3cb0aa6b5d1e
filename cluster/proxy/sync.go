package proxy

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// SyncID is the StatusRequest/StatusResponse id that marks a state sync
// exchange between a worker and its proxy (other ids are status queries).
const SyncID = 0x5853_594e_4331 // "XSYNC1"

var (
	syncReqMagic  = []byte("XSQ1")
	syncRespMagic = []byte("XSR1")
)

// SyncRequest asks a proxy for the entries of its log from index From on.
// Epoch is the proxy epoch the asker's From refers to (0 when it has none).
type SyncRequest struct {
	Epoch, From uint64
}

// AppendSyncRequest encodes r as a StatusRequest body.
func AppendSyncRequest(dst []byte, r SyncRequest) []byte {
	dst = append(dst, syncReqMagic...)
	dst = binary.LittleEndian.AppendUint64(dst, r.Epoch)
	return binary.LittleEndian.AppendUint64(dst, r.From)
}

// ParseSyncRequest decodes a StatusRequest body; ok is false when b is
// not a sync request.
func ParseSyncRequest(b []byte) (r SyncRequest, ok bool) {
	if len(b) != 20 || !bytes.HasPrefix(b, syncReqMagic) {
		return r, false
	}
	r.Epoch = binary.LittleEndian.Uint64(b[4:])
	r.From = binary.LittleEndian.Uint64(b[12:])
	return r, true
}

// SyncResponse carries log entries From … From+len(Entries)-1 of the
// proxy's log of epoch Epoch, whose length is Total. A proxy sends one in
// answer to a SyncRequest and, unasked, whenever its log grows.
type SyncResponse struct {
	Epoch, From, Total uint64
	Entries            []Entry
}

// syncEntryMax bounds the bytes of entries in one response.
const syncEntryMax = 256 << 10

// AppendSyncResponse encodes the header and entries of r.
func AppendSyncResponse(dst []byte, r *SyncResponse) []byte {
	dst = append(dst, syncRespMagic...)
	dst = binary.LittleEndian.AppendUint64(dst, r.Epoch)
	dst = binary.LittleEndian.AppendUint64(dst, r.From)
	dst = binary.LittleEndian.AppendUint64(dst, r.Total)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(r.Entries)))
	for i := range r.Entries {
		e := &r.Entries[i]
		dst = appendStr8(dst, e.Set)
		dst = appendStr8(dst, e.Origin)
		n := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		dst = AppendBody(dst, e)
		binary.LittleEndian.PutUint32(dst[n:], uint32(len(dst)-n-4))
	}
	return dst
}

func appendStr8(dst []byte, s string) []byte {
	if len(s) > 255 {
		s = s[:255]
	}
	dst = append(dst, byte(len(s)))
	return append(dst, s...)
}

// ParseSyncResponse decodes a StatusResponse body; ok is false when b is
// not a sync response, err reports a damaged one. It never panics.
func ParseSyncResponse(b []byte) (r SyncResponse, ok bool, err error) {
	if len(b) < 32 || !bytes.HasPrefix(b, syncRespMagic) {
		return r, false, nil
	}
	le := binary.LittleEndian
	r.Epoch, r.From, r.Total = le.Uint64(b[4:]), le.Uint64(b[12:]), le.Uint64(b[20:])
	n := int(le.Uint32(b[28:]))
	b = b[32:]
	if n > len(b)/13 {
		return r, true, fmt.Errorf("%w: %d entries in %d bytes", ErrEntry, n, len(b))
	}
	r.Entries = make([]Entry, n)
	for i := range r.Entries {
		e := &r.Entries[i]
		var s []byte
		if s, b, ok = str8(b); !ok {
			return r, true, fmt.Errorf("%w: truncated set", ErrEntry)
		}
		e.Set = string(s)
		if s, b, ok = str8(b); !ok {
			return r, true, fmt.Errorf("%w: truncated origin", ErrEntry)
		}
		e.Origin = string(s)
		if len(b) < 4 {
			return r, true, fmt.Errorf("%w: truncated body length", ErrEntry)
		}
		m := int(le.Uint32(b))
		if m > len(b)-4 {
			return r, true, fmt.Errorf("%w: truncated body", ErrEntry)
		}
		if err := ParseBody(b[4:4+m], e); err != nil {
			return r, true, err
		}
		b = b[4+m:]
	}
	return r, true, nil
}

func str8(b []byte) ([]byte, []byte, bool) {
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return nil, nil, false
	}
	return b[1 : 1+b[0]], b[1+b[0]:], true
}
