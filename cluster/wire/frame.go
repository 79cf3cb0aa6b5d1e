package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Type is a frame type.
type Type uint8

const (
	TypeLogBatch       Type = 1 // sequenced: encoded Zeek records of one log stream
	TypeNotice         Type = 2 // sequenced: one notice for the manager
	TypeStateOp        Type = 3 // sequenced: a shared-set insert or delete
	TypeStats          Type = 4 // sequenced: a stats.log / capture_loss.log record
	TypeHeartbeat      Type = 5 // both ways, unsequenced
	TypeAck            Type = 6 // receiver → sender: all sequences ≤ Seq are taken
	TypeStatusRequest  Type = 7 // control tool → node
	TypeStatusResponse Type = 8 // node → control tool
	typeMax                 = TypeStatusResponse
)

var typeNames = [...]string{"", "log-batch", "notice", "state-op", "stats", "heartbeat", "ack", "status-request", "status-response"}

func (t Type) String() string {
	if t >= 1 && t <= typeMax {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Sequenced reports whether frames of type t carry a sequence number, are
// kept by the Sender until acknowledged, and are de-duplicated by the
// receiver.
func (t Type) Sequenced() bool { return t >= TypeLogBatch && t <= TypeStats }

// StateOpKind is a shared-set operation.
type StateOpKind uint8

const (
	StateInsert StateOpKind = 1
	StateDelete StateOpKind = 2
)

// Frame layout, inside the decompressed stream (all integers little-endian):
//
//	header:        type u8 | payload length u32
//	log-batch:     seq u64 | format u8 | count u32 | stream str8 | path str8 | records…
//	notice:        seq u64 | ts i64 | suppress-for i64 | note str8 | identifier str16 | record…
//	state-op:      seq u64 | op u8 | origin str8 | set str8 | key…
//	stats:         seq u64 | ts i64 | path str8 | record…
//	heartbeat:     ts i64
//	ack:           seq u64
//	status-*:      id u64 | body…
//
// strN is an N-bit length followed by the bytes; "…" is the rest of the
// payload.
const (
	HeaderLen = 5
	// MaxFrameBytes bounds a frame's payload; a larger length is a
	// protocol error (the reader never allocates more than this).
	MaxFrameBytes = 16 << 20
)

// Message is one decoded frame. Only the fields of its Type are meaningful.
// After DecodeFrame the byte slices alias the decoder's buffer: they are
// valid until the next frame is read (for a Handler, until Handle returns).
type Message struct {
	Type Type
	Seq  uint64 // sequenced types (assigned by the Sender); Ack

	// log-batch
	Format uint8  // zeeklog.Format of Body
	Count  uint32 // records in Body
	Stream []byte // log stream ("conn"); de-duplication key
	Path   []byte // log path as Zeek's #path ("conn")

	// notice
	Note, Identifier []byte
	SuppressFor      int64 // nanoseconds

	// state-op
	Op     StateOpKind
	Origin []byte // node that inserted it (for ring forwarding)
	Set    []byte

	TS int64  // notice, stats, heartbeat: Unix nanoseconds
	ID uint64 // status request/response id

	// Body: log-batch records, notice/stats record, state-op key, status body.
	Body []byte
}

// ErrFrame is wrapped by every frame decoding error.
var ErrFrame = errors.New("malformed frame")

func frameErr(t Type, msg string) error { return fmt.Errorf("%w: %s: %s", ErrFrame, t, msg) }

// FrameSize returns the encoded size of m, header included, or -1 when a
// field is too long for its length prefix.
func FrameSize(m *Message) int {
	n := HeaderLen
	switch m.Type {
	case TypeLogBatch:
		if len(m.Stream) > 255 || len(m.Path) > 255 {
			return -1
		}
		n += 8 + 1 + 4 + 1 + len(m.Stream) + 1 + len(m.Path) + len(m.Body)
	case TypeNotice:
		if len(m.Note) > 255 || len(m.Identifier) > 65535 {
			return -1
		}
		n += 8 + 8 + 8 + 1 + len(m.Note) + 2 + len(m.Identifier) + len(m.Body)
	case TypeStateOp:
		if len(m.Origin) > 255 || len(m.Set) > 255 {
			return -1
		}
		n += 8 + 1 + 1 + len(m.Origin) + 1 + len(m.Set) + len(m.Body)
	case TypeStats:
		if len(m.Path) > 255 {
			return -1
		}
		n += 8 + 8 + 1 + len(m.Path) + len(m.Body)
	case TypeHeartbeat, TypeAck:
		n += 8
	case TypeStatusRequest, TypeStatusResponse:
		n += 8 + len(m.Body)
	default:
		return -1
	}
	if n-HeaderLen > MaxFrameBytes {
		return -1
	}
	return n
}

// AppendFrame appends m's encoding to dst. It returns dst unchanged and an
// error when m cannot be encoded (unknown type, field too long, frame
// larger than MaxFrameBytes). It does not allocate when dst has room.
func AppendFrame(dst []byte, m *Message) ([]byte, error) {
	n := FrameSize(m)
	if n < 0 {
		return dst, fmt.Errorf("encode %s frame: unknown type or field too long", m.Type)
	}
	b := dst
	b = append(b, byte(m.Type))
	b = binary.LittleEndian.AppendUint32(b, uint32(n-HeaderLen))
	le := binary.LittleEndian
	switch m.Type {
	case TypeLogBatch:
		b = le.AppendUint64(b, m.Seq)
		b = append(b, m.Format)
		b = le.AppendUint32(b, m.Count)
		b = append(b, byte(len(m.Stream)))
		b = append(b, m.Stream...)
		b = append(b, byte(len(m.Path)))
		b = append(b, m.Path...)
	case TypeNotice:
		b = le.AppendUint64(b, m.Seq)
		b = le.AppendUint64(b, uint64(m.TS))
		b = le.AppendUint64(b, uint64(m.SuppressFor))
		b = append(b, byte(len(m.Note)))
		b = append(b, m.Note...)
		b = le.AppendUint16(b, uint16(len(m.Identifier)))
		b = append(b, m.Identifier...)
	case TypeStateOp:
		b = le.AppendUint64(b, m.Seq)
		b = append(b, byte(m.Op))
		b = append(b, byte(len(m.Origin)))
		b = append(b, m.Origin...)
		b = append(b, byte(len(m.Set)))
		b = append(b, m.Set...)
	case TypeStats:
		b = le.AppendUint64(b, m.Seq)
		b = le.AppendUint64(b, uint64(m.TS))
		b = append(b, byte(len(m.Path)))
		b = append(b, m.Path...)
	case TypeHeartbeat:
		return le.AppendUint64(b, uint64(m.TS)), nil
	case TypeAck:
		return le.AppendUint64(b, m.Seq), nil
	case TypeStatusRequest, TypeStatusResponse:
		b = le.AppendUint64(b, m.ID)
	}
	return append(b, m.Body...), nil
}

// ParseHeader returns the type and payload length of the frame header in
// h, checking both.
func ParseHeader(h []byte) (Type, int, error) {
	if len(h) < HeaderLen {
		return 0, 0, fmt.Errorf("%w: short header", ErrFrame)
	}
	t := Type(h[0])
	n := binary.LittleEndian.Uint32(h[1:5])
	if t < 1 || t > typeMax {
		return t, 0, fmt.Errorf("%w: unknown type %d", ErrFrame, h[0])
	}
	if n > MaxFrameBytes {
		return t, 0, fmt.Errorf("%w: %s payload of %d bytes exceeds %d", ErrFrame, t, n, MaxFrameBytes)
	}
	return t, int(n), nil
}

// DecodeFrame decodes the frame at the start of b into m and returns its
// length. m's slices alias b. It never panics or allocates.
func DecodeFrame(b []byte, m *Message) (int, error) {
	t, n, err := ParseHeader(b)
	if err != nil {
		return 0, err
	}
	if len(b)-HeaderLen < n {
		return 0, fmt.Errorf("%w: %s: truncated payload", ErrFrame, t)
	}
	return HeaderLen + n, DecodePayload(t, b[HeaderLen:HeaderLen+n], m)
}

// DecodePayload decodes a payload of type t into m; m's slices alias p.
func DecodePayload(t Type, p []byte, m *Message) error {
	*m = Message{Type: t}
	r := reader{b: p}
	switch t {
	case TypeLogBatch:
		m.Seq = r.u64()
		m.Format = r.u8()
		m.Count = r.u32()
		m.Stream = r.str8()
		m.Path = r.str8()
	case TypeNotice:
		m.Seq = r.u64()
		m.TS = int64(r.u64())
		m.SuppressFor = int64(r.u64())
		m.Note = r.str8()
		m.Identifier = r.str(int(r.u16()))
	case TypeStateOp:
		m.Seq = r.u64()
		m.Op = StateOpKind(r.u8())
		m.Origin = r.str8()
		m.Set = r.str8()
		if !r.bad && m.Op != StateInsert && m.Op != StateDelete {
			return frameErr(t, fmt.Sprintf("unknown op %d", m.Op))
		}
	case TypeStats:
		m.Seq = r.u64()
		m.TS = int64(r.u64())
		m.Path = r.str8()
	case TypeHeartbeat:
		m.TS = int64(r.u64())
	case TypeAck:
		m.Seq = r.u64()
	case TypeStatusRequest, TypeStatusResponse:
		m.ID = r.u64()
	default:
		return frameErr(t, "unknown type")
	}
	if r.bad {
		return frameErr(t, "truncated payload")
	}
	m.Body = r.b
	if (t == TypeHeartbeat || t == TypeAck) && len(m.Body) != 0 {
		return frameErr(t, "trailing bytes")
	}
	if t.Sequenced() && m.Seq == 0 {
		return frameErr(t, "sequence 0")
	}
	if len(m.Body) == 0 {
		m.Body = nil
	}
	return nil
}

// reader consumes a payload; on underflow it sets bad and returns zeros.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) take(n int) []byte {
	if r.bad || n > len(r.b) {
		r.bad = true
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() uint8 {
	if v := r.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if v := r.take(2); v != nil {
		return binary.LittleEndian.Uint16(v)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if v := r.take(4); v != nil {
		return binary.LittleEndian.Uint32(v)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if v := r.take(8); v != nil {
		return binary.LittleEndian.Uint64(v)
	}
	return 0
}

func (r *reader) str8() []byte { return r.str(int(r.u8())) }

func (r *reader) str(n int) []byte {
	v := r.take(n)
	if len(v) == 0 {
		return nil
	}
	return v
}

// dedupKey is the de-duplication stream of a sequenced message: the log
// stream for batches, a fixed name (which no log stream can take: it
// starts with a NUL byte) for the other types.
func dedupKey(m *Message) []byte {
	switch m.Type {
	case TypeLogBatch:
		return m.Stream
	case TypeNotice:
		return keyNotice
	case TypeStateOp:
		return keyState
	}
	return keyStats
}

var (
	keyNotice = []byte("\x00notice")
	keyState  = []byte("\x00state")
	keyStats  = []byte("\x00stats")
)
