package afpacket

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

type socketSys struct {
	pfd [1]unix.PollFd
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// Open creates a TPACKET_V3 socket on ifindex (in the calling thread's
// network namespace): ring, bind, promiscuous mode and fanout, in that
// order, so the ring exists before any packet arrives.
func Open(ifindex int, opts Options) (*Socket, error) {
	if err := opts.validate(os.Getpagesize()); err != nil {
		return nil, err
	}
	if ifindex <= 0 {
		return nil, fmt.Errorf("%w: ifindex %d", ErrOptions, ifindex)
	}
	// Protocol 0: receive nothing until bound to the interface.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket AF_PACKET: %w (needs CAP_NET_RAW)", err)
	}
	s := &Socket{fd: fd, ifindex: ifindex, bsize: opts.BlockSize, nblocks: opts.BlockCount}
	if err := s.setup(&opts); err != nil {
		s.Close()
		return nil, fmt.Errorf("afpacket ifindex %d: %w", ifindex, err)
	}
	return s, nil
}

func (s *Socket) setup(o *Options) error {
	if err := unix.SetsockoptInt(s.fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return fmt.Errorf("set TPACKET_V3: %w", err)
	}
	if o.IgnoreOutgoing {
		if err := unix.SetsockoptInt(s.fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil {
			return fmt.Errorf("set PACKET_IGNORE_OUTGOING: %w", err)
		}
	}
	req := unix.TpacketReq3{
		Block_size:       o.BlockSize,
		Block_nr:         o.BlockCount,
		Frame_size:       o.FrameSize,
		Frame_nr:         o.BlockSize / o.FrameSize * o.BlockCount,
		Retire_blk_tov:   uint32(o.BlockTimeout / time.Millisecond),
		Feature_req_word: 1, // TP_FT_REQ_FILL_RXHASH
	}
	if err := unix.SetsockoptTpacketReq3(s.fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return fmt.Errorf("set PACKET_RX_RING (%d blocks of %d bytes): %w", o.BlockCount, o.BlockSize, err)
	}
	size := int(o.BlockSize) * int(o.BlockCount)
	ring, err := unix.Mmap(s.fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return fmt.Errorf("mmap %d-byte ring: %w", size, err)
	}
	s.ring = ring
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: s.ifindex}
	if err := unix.Bind(s.fd, sa); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	if o.Promiscuous {
		mreq := unix.PacketMreq{Ifindex: int32(s.ifindex), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(s.fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return fmt.Errorf("promiscuous mode: %w", err)
		}
	}
	if o.Fanout {
		flags := unix.PACKET_FANOUT_HASH
		if o.FanoutDefrag {
			flags |= unix.PACKET_FANOUT_FLAG_DEFRAG
		}
		if err := unix.SetsockoptInt(s.fd, unix.SOL_PACKET, unix.PACKET_FANOUT, int(o.FanoutGroup)|flags<<16); err != nil {
			return fmt.Errorf("join fanout group %d: %w (group in use with other settings?)", o.FanoutGroup, err)
		}
	}
	return nil
}

// Wait blocks until a block is ready or timeout passes (negative: no
// limit) and reports whether one is. Only the socket's goroutine may call
// it.
func (s *Socket) Wait(timeout time.Duration) (bool, error) {
	if s.active && !s.rd.done() {
		return true, nil
	}
	if s.active {
		s.releaseBlock()
	}
	if s.blockReady() {
		return true, nil
	}
	ms := -1
	if timeout >= 0 {
		ms = int((timeout + time.Millisecond - 1) / time.Millisecond)
	}
	s.sys.pfd[0] = unix.PollFd{Fd: int32(s.fd), Events: unix.POLLIN | unix.POLLERR}
	n, err := unix.Poll(s.sys.pfd[:], ms)
	if err != nil {
		if errors.Is(err, unix.EINTR) {
			return false, nil
		}
		return false, fmt.Errorf("poll afpacket: %w", err)
	}
	return n > 0 && s.blockReady(), nil
}

// Stats returns the socket's counters, reading (and so resetting) the
// kernel's PACKET_STATISTICS. Only the socket's goroutine may call it.
func (s *Socket) Stats() (Stats, error) {
	st, err := unix.GetsockoptTpacketStatsV3(s.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err != nil {
		return s.stats(), fmt.Errorf("getsockopt PACKET_STATISTICS: %w", err)
	}
	s.kernel.Packets += uint64(st.Packets)
	s.kernel.Drops += uint64(st.Drops)
	s.kernel.FreezeQCnt += uint64(st.Freeze_q_cnt)
	return s.stats(), nil
}

func (s *Socket) stats() Stats {
	st := s.kernel
	st.Received = s.packets
	st.Blocks = s.blocks
	return st
}

// Close unmaps the ring and closes the socket, leaving the fanout group
// and promiscuous mode.
func (s *Socket) Close() error {
	if s.ring != nil {
		unix.Munmap(s.ring)
		s.ring = nil
	}
	if s.fd < 0 {
		return nil
	}
	err := unix.Close(s.fd)
	s.fd = -1
	if err != nil {
		return fmt.Errorf("close afpacket socket: %w", err)
	}
	return nil
}
