package xsk

import (
	"errors"
	"fmt"
	"time"
)

// Mode says how a group's sockets are bound to the device queue.
type Mode uint8

const (
	// ModeAuto tries zero-copy first and falls back to copy mode, logging
	// the fallback once with the kernel's reason.
	ModeAuto Mode = iota
	// ModeZeroCopy insists on zero-copy (XDP_ZEROCOPY); binding fails when
	// the driver cannot do it.
	ModeZeroCopy
	// ModeCopy asks for copy mode (XDP_COPY), which every driver supports.
	ModeCopy
)

var modeNames = [...]string{ModeAuto: "auto", ModeZeroCopy: "zerocopy", ModeCopy: "copy"}

// String returns "auto", "zerocopy" or "copy".
func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// UnmarshalText parses the names String returns.
func (m *Mode) UnmarshalText(b []byte) error {
	for i, n := range modeNames {
		if string(b) == n {
			*m = Mode(i)
			return nil
		}
	}
	return fmt.Errorf("xsk mode %q: want auto, zerocopy or copy", b)
}

// Options configures a Group: its UMEM, the rings of each socket, the
// bind mode and busy polling. Start from DefaultOptions; OpenGroup
// validates the result once.
type Options struct {
	// FrameSize is the size of one UMEM chunk: a power of two from 2048
	// to the page size (aligned chunk mode).
	FrameSize uint32
	// FrameCount is the number of chunks in the UMEM shared by the group.
	FrameCount uint32
	// Headroom is extra space the kernel leaves in front of each received
	// packet (on top of XDP_PACKET_HEADROOM in copy mode).
	Headroom uint32
	// TxFrames is how many chunks (the last ones, see UMEM.TxAddr) are
	// kept out of the fill ring for the caller to transmit from. The other
	// FrameCount-TxFrames chunks start on the fill ring.
	TxFrames uint32

	// FillRingSize and CompletionRingSize size the UMEM's rings (powers of
	// two). FillRingSize must hold every receive chunk, so that returning
	// frames never finds the fill ring full.
	FillRingSize       uint32
	CompletionRingSize uint32
	// RxRingSize and TxRingSize size each socket's rings (powers of two,
	// or 0 for no ring; at least one must be non-zero).
	RxRingSize uint32
	TxRingSize uint32

	// Mode selects zero-copy, copy, or zero-copy with fallback to copy.
	Mode Mode
	// NeedWakeup binds with XDP_USE_NEED_WAKEUP: the kernel tells us when
	// it needs a syscall to make progress, and we skip it otherwise.
	NeedWakeup bool

	// BusyPoll sets SO_PREFER_BUSY_POLL, SO_BUSY_POLL (BusyPollTimeout)
	// and SO_BUSY_POLL_BUDGET (BusyPollBudget) on every socket. Best
	// effort: a refusal is logged once and otherwise ignored.
	BusyPoll        bool
	BusyPollTimeout time.Duration
	BusyPollBudget  int

	// Logf receives the few log lines this package writes (bind-mode
	// fallbacks, busy-poll refusals), each at most once per group. Nil
	// discards them. It is never called on the packet path.
	Logf func(format string, args ...any)
}

// DefaultOptions returns options for a receive group: 4096 frames of 4 KiB,
// 4096-entry fill ring, 2048-entry RX rings, no TX, zero-copy with
// fallback to copy, need_wakeup on, busy polling off.
func DefaultOptions() Options {
	return Options{
		FrameSize:          4096,
		FrameCount:         4096,
		FillRingSize:       4096,
		CompletionRingSize: 2048,
		RxRingSize:         2048,
		Mode:               ModeAuto,
		NeedWakeup:         true,
		BusyPollTimeout:    20 * time.Microsecond,
		BusyPollBudget:     64,
	}
}

// ErrOptions is wrapped by every validation error.
var ErrOptions = errors.New("invalid xsk options")

func isPow2(v uint32) bool { return v != 0 && v&(v-1) == 0 }

// validate checks the options against the kernel's rules (aligned chunks,
// power-of-two rings) and this package's (fill ring holds every receive
// frame). pageSize is the system page size.
func (o *Options) validate(pageSize int) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrOptions, fmt.Sprintf(format, args...))
	}
	switch {
	case !isPow2(o.FrameSize) || o.FrameSize < 2048 || int(o.FrameSize) > pageSize:
		return bad("frame size %d: want a power of two from 2048 to %d", o.FrameSize, pageSize)
	case o.FrameCount == 0:
		return bad("frame count 0")
	case uint64(o.FrameCount)*uint64(o.FrameSize) > 1<<40:
		return bad("UMEM of %d x %d bytes is too large", o.FrameCount, o.FrameSize)
	case o.Headroom+xdpPacketHeadroom+64 > o.FrameSize:
		return bad("headroom %d leaves no room for a packet in a %d-byte frame", o.Headroom, o.FrameSize)
	case o.TxFrames > o.FrameCount:
		return bad("tx frames %d > frame count %d", o.TxFrames, o.FrameCount)
	case !isPow2(o.FillRingSize) || !isPow2(o.CompletionRingSize):
		return bad("fill ring %d, completion ring %d: want powers of two", o.FillRingSize, o.CompletionRingSize)
	case o.FillRingSize < o.FrameCount-o.TxFrames:
		return bad("fill ring %d cannot hold the %d receive frames (raise FillRingSize or TxFrames)", o.FillRingSize, o.FrameCount-o.TxFrames)
	case o.RxRingSize == 0 && o.TxRingSize == 0:
		return bad("neither RX nor TX ring")
	case o.RxRingSize != 0 && !isPow2(o.RxRingSize), o.TxRingSize != 0 && !isPow2(o.TxRingSize):
		return bad("rx ring %d, tx ring %d: want powers of two or 0", o.RxRingSize, o.TxRingSize)
	case o.Mode > ModeCopy:
		return bad("mode %v", o.Mode)
	case o.BusyPoll && (o.BusyPollTimeout < time.Microsecond || o.BusyPollBudget <= 0):
		return bad("busy poll timeout %v, budget %d", o.BusyPollTimeout, o.BusyPollBudget)
	}
	return nil
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}
