package afpacket

import (
	"errors"
	"fmt"
	"time"
)

// Options configures a receive Socket. Start from DefaultOptions; Open
// validates the result once.
type Options struct {
	// BlockSize is the size of one ring block: a multiple of the page
	// size and a power of two. BlockCount blocks make the ring.
	BlockSize  uint32
	BlockCount uint32
	// FrameSize is TPACKET_V3's nominal frame size (a multiple of 16);
	// the kernel only uses it to check the request, packets are packed
	// into blocks back to back.
	FrameSize uint32
	// BlockTimeout retires a partly filled block to user space after this
	// long, bounding latency at low rates (millisecond resolution).
	BlockTimeout time.Duration

	// Fanout joins the socket to fanout group FanoutGroup with
	// PACKET_FANOUT_HASH: sockets of one group on one interface share the
	// traffic, each flow (both directions) on exactly one socket.
	Fanout      bool
	FanoutGroup uint16
	// FanoutDefrag adds PACKET_FANOUT_FLAG_DEFRAG: the kernel reassembles
	// IP fragments before hashing, so fragments follow their flow.
	FanoutDefrag bool

	// Promiscuous puts the interface in promiscuous mode while the socket
	// is open (PACKET_MR_PROMISC membership, undone by the kernel on close).
	Promiscuous bool
	// IgnoreOutgoing skips packets the host itself sends on the interface.
	IgnoreOutgoing bool
}

// DefaultOptions returns a 64 MiB ring of 1 MiB blocks with a 10 ms block
// timeout, hash fanout in group 1 with defragmentation, promiscuous mode
// on and outgoing packets ignored.
func DefaultOptions() Options {
	return Options{
		BlockSize:      1 << 20,
		BlockCount:     64,
		FrameSize:      2048,
		BlockTimeout:   10 * time.Millisecond,
		Fanout:         true,
		FanoutGroup:    1,
		FanoutDefrag:   true,
		Promiscuous:    true,
		IgnoreOutgoing: true,
	}
}

// ErrOptions is wrapped by every validation error.
var ErrOptions = errors.New("invalid afpacket options")

// ErrUnsupported is returned on systems without AF_PACKET.
var ErrUnsupported = errors.New("AF_PACKET needs Linux")

func (o *Options) validate(pageSize int) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrOptions, fmt.Sprintf(format, args...))
	}
	ps := uint32(pageSize)
	switch {
	case o.BlockSize < ps || o.BlockSize%ps != 0 || o.BlockSize&(o.BlockSize-1) != 0:
		return bad("block size %d: want a power of two multiple of the page size %d", o.BlockSize, ps)
	case o.BlockCount == 0:
		return bad("block count 0")
	case uint64(o.BlockSize)*uint64(o.BlockCount) > 1<<34:
		return bad("ring of %d x %d bytes is too large", o.BlockCount, o.BlockSize)
	case o.FrameSize < 128 || o.FrameSize%16 != 0 || o.FrameSize > o.BlockSize:
		return bad("frame size %d: want a multiple of 16 from 128 to the block size", o.FrameSize)
	case o.BlockTimeout < time.Millisecond || o.BlockTimeout > time.Minute:
		return bad("block timeout %v: want 1ms..1m", o.BlockTimeout)
	}
	return nil
}
