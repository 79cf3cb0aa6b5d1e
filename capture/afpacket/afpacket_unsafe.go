//go:build linux

package afpacket

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// blockStatus returns the status word of block cur; the kernel writes it
// last (after a write barrier) when it retires the block, so an atomic
// load orders our reads of the block after it.
func (s *Socket) blockStatus() *atomic.Uint32 {
	off := uint64(s.cur)*uint64(s.bsize) + blkStatus
	return (*atomic.Uint32)(unsafe.Pointer(&s.ring[off]))
}

func (s *Socket) blockReady() bool {
	return s.blockStatus().Load()&unix.TP_STATUS_USER != 0
}

func (s *Socket) setBlockKernel() {
	s.blockStatus().Store(unix.TP_STATUS_KERNEL)
}
