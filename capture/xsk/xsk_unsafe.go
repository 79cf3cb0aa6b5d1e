//go:build linux

package xsk

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The ring layout must match the kernel's struct xdp_desc.
var _ [16 - unsafe.Sizeof(Desc{})]byte
var _ [unsafe.Sizeof(Desc{}) - 16]byte

const descSize = uint64(unsafe.Sizeof(Desc{}))

// setUMEMReg registers the UMEM with setsockopt(XDP_UMEM_REG).
func setUMEMReg(fd int, mem []byte, frameSize, headroom uint32) error {
	reg := unix.XDPUmemReg{
		Addr:     uint64(uintptr(unsafe.Pointer(unsafe.SliceData(mem)))),
		Len:      uint64(len(mem)),
		Size:     frameSize,
		Headroom: headroom,
	}
	_, _, errno := unix.Syscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.SOL_XDP, unix.XDP_UMEM_REG,
		uintptr(unsafe.Pointer(&reg)), unsafe.Sizeof(reg), 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// getMmapOffsets reads the ring layout with getsockopt(XDP_MMAP_OFFSETS).
func getMmapOffsets(fd int) (unix.XDPMmapOffsets, error) {
	var off unix.XDPMmapOffsets
	size := uint32(unsafe.Sizeof(off))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_XDP, unix.XDP_MMAP_OFFSETS,
		uintptr(unsafe.Pointer(&off)), uintptr(unsafe.Pointer(&size)), 0)
	if errno != 0 {
		return off, errno
	}
	if size != uint32(unsafe.Sizeof(off)) {
		return off, fmt.Errorf("kernel returned %d bytes of ring offsets, want %d (kernel before 5.4?)", size, unsafe.Sizeof(off))
	}
	return off, nil
}

// getStatistics reads XDP_STATISTICS; fields an older kernel does not
// return stay zero.
func getStatistics(fd int) (unix.XDPStatistics, error) {
	var st unix.XDPStatistics
	size := uint32(unsafe.Sizeof(st))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_XDP, unix.XDP_STATISTICS,
		uintptr(unsafe.Pointer(&st)), uintptr(unsafe.Pointer(&size)), 0)
	if errno != 0 {
		return st, errno
	}
	return st, nil
}

// ringWords returns the producer, consumer and flags words of a mapped
// ring, checking that they lie inside the mapping.
func ringWords(mem []byte, off unix.XDPRingOffset) (prod, cons, flags *atomic.Uint32, err error) {
	for _, o := range [...]uint64{off.Producer, off.Consumer, off.Flags} {
		if o%4 != 0 || o+4 > uint64(len(mem)) {
			return nil, nil, nil, fmt.Errorf("ring offset %d outside %d-byte mapping", o, len(mem))
		}
	}
	prod = (*atomic.Uint32)(unsafe.Pointer(&mem[off.Producer]))
	cons = (*atomic.Uint32)(unsafe.Pointer(&mem[off.Consumer]))
	flags = (*atomic.Uint32)(unsafe.Pointer(&mem[off.Flags]))
	return prod, cons, flags, nil
}

// addrRing views n uint64 slots at off.Desc (fill, completion rings).
func addrRing(mem []byte, off unix.XDPRingOffset, n uint32) ([]uint64, error) {
	if off.Desc%8 != 0 || off.Desc+8*uint64(n) > uint64(len(mem)) {
		return nil, fmt.Errorf("ring of %d addresses at %d outside %d-byte mapping", n, off.Desc, len(mem))
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(&mem[off.Desc])), n), nil
}

// descRing views n descriptor slots at off.Desc (RX, TX rings).
func descRing(mem []byte, off unix.XDPRingOffset, n uint32) ([]Desc, error) {
	if off.Desc%8 != 0 || off.Desc+descSize*uint64(n) > uint64(len(mem)) {
		return nil, fmt.Errorf("ring of %d descriptors at %d outside %d-byte mapping", n, off.Desc, len(mem))
	}
	return unsafe.Slice((*Desc)(unsafe.Pointer(&mem[off.Desc])), n), nil
}

// recvDontWait makes a non-blocking recvfrom with no buffer: for an
// AF_XDP socket it runs the socket's busy-poll loop (SO_BUSY_POLL) and
// wakes the driver if it asked for it. The result does not matter.
func recvDontWait(fd int) {
	unix.Syscall6(unix.SYS_RECVFROM, uintptr(fd), 0, 0, unix.MSG_DONTWAIT, 0, 0)
}
