package xsk

// UMEM is the packet memory of a group: FrameCount chunks of FrameSize
// bytes, mapped once and registered with the kernel by the group's first
// socket. Chunk i starts at address i*FrameSize.
//
// The last TxFrames chunks (TxAddr) belong to the caller for transmitting;
// all others circulate between the fill ring, the kernel, the RX rings and
// the workers. The views returned by Frame and Chunk point into the
// mapping: they stay valid until the chunk is handed back (Release,
// Transmit) and must not be used after Group.Close.
//
// UMEM's methods only read immutable fields; any goroutine may call them.
type UMEM struct {
	mem        []byte
	frameSize  uint32
	frameCount uint32
	txFrames   uint32
	headroom   uint32
}

// FrameSize returns the chunk size in bytes.
func (u *UMEM) FrameSize() uint32 { return u.frameSize }

// FrameCount returns the number of chunks.
func (u *UMEM) FrameCount() uint32 { return u.frameCount }

// TxFrames returns how many chunks are reserved for transmitting.
func (u *UMEM) TxFrames() uint32 { return u.txFrames }

// TxAddr returns the address of the i-th transmit chunk (0 <= i <
// TxFrames), or ^uint64(0) when i is out of range.
func (u *UMEM) TxAddr(i int) uint64 {
	if i < 0 || uint32(i) >= u.txFrames {
		return ^uint64(0)
	}
	return uint64(u.frameCount-u.txFrames+uint32(i)) * uint64(u.frameSize)
}

// Frame returns the packet bytes d names, or nil when d lies outside the
// UMEM or crosses a chunk boundary (which a well-behaved kernel never
// produces). The view is valid until d's chunk is released.
func (u *UMEM) Frame(d Desc) []byte {
	fs := uint64(u.frameSize)
	end := d.Addr + uint64(d.Len)
	if end > uint64(len(u.mem)) || end < d.Addr || d.Len != 0 && d.Addr/fs != (end-1)/fs {
		return nil
	}
	return u.mem[d.Addr:end:end]
}

// Chunk returns the bytes from addr to the end of its chunk, for writing a
// frame to transmit, or nil when addr is outside the UMEM.
func (u *UMEM) Chunk(addr uint64) []byte {
	if addr >= uint64(len(u.mem)) {
		return nil
	}
	end := (addr/uint64(u.frameSize) + 1) * uint64(u.frameSize)
	return u.mem[addr:end:end]
}
