package xsk

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// groupSys holds a group's Linux-only state: the mappings to undo.
type groupSys struct {
	fillMem, compMem []byte
}

// OpenGroup creates n AF_XDP sockets bound to (ifindex, queue) that share
// one UMEM, following Documentation/networking/af_xdp.rst: socket 0
// registers the UMEM, owns the fill and completion rings and binds first;
// sockets 1..n-1 create only RX/TX rings and bind with XDP_SHARED_UMEM.
// All chunks except the TxFrames reserved ones start on the fill ring.
//
// With ModeAuto the bind tries XDP_ZEROCOPY, then XDP_COPY, logging the
// fallback and the kernel's reason once through opts.Logf.
//
// The interface must live in the calling thread's network namespace. The
// caller still has to put each Socket.FD into the XSKMAP its XDP program
// redirects to.
func OpenGroup(ifindex, queue, n int, opts Options) (*Group, error) {
	if err := opts.validate(os.Getpagesize()); err != nil {
		return nil, err
	}
	if n < 1 || ifindex <= 0 || queue < 0 {
		return nil, fmt.Errorf("%w: %d sockets on ifindex %d queue %d", ErrOptions, n, ifindex, queue)
	}
	g := &Group{ifindex: ifindex, queue: queue, opts: opts}
	ok := false
	defer func() {
		if !ok {
			g.Close()
		}
	}()

	size := int(opts.FrameCount) * int(opts.FrameSize)
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_POPULATE)
	if err != nil {
		return nil, fmt.Errorf("mmap %d-byte umem: %w", size, err)
	}
	g.umem = UMEM{mem: mem, frameSize: opts.FrameSize, frameCount: opts.FrameCount,
		txFrames: opts.TxFrames, headroom: opts.Headroom}
	g.fill.mask = ^uint64(opts.FrameSize - 1)

	for i := 0; i < n; i++ {
		s, err := g.newSocket(i)
		if err != nil {
			return nil, err
		}
		g.sockets = append(g.sockets, s)
		g.fill.rings = append(g.fill.rings, s.ret)
	}
	ok = true
	return g, nil
}

func (g *Group) newSocket(i int) (*Socket, error) {
	o := &g.opts
	fd, err := unix.Socket(unix.AF_XDP, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket AF_XDP: %w (kernel without CONFIG_XDP_SOCKETS, or not root?)", err)
	}
	s := &Socket{fd: fd, index: i, group: g, umem: &g.umem, fill: &g.fill,
		ret: newReturnRing(o.FrameCount), needWakeup: o.NeedWakeup}
	if err := g.setupSocket(s); err != nil {
		unix.Close(fd)
		if s.sys.rxMem != nil {
			unix.Munmap(s.sys.rxMem)
		}
		if s.sys.txMem != nil {
			unix.Munmap(s.sys.txMem)
		}
		return nil, fmt.Errorf("xsk socket %d on ifindex %d queue %d: %w", i, g.ifindex, g.queue, err)
	}
	return s, nil
}

func (g *Group) setupSocket(s *Socket) error {
	o := &g.opts
	first := s.index == 0
	if first {
		if err := setUMEMReg(s.fd, g.umem.mem, o.FrameSize, o.Headroom); err != nil {
			return fmt.Errorf("register umem: %w", err)
		}
		if err := unix.SetsockoptInt(s.fd, unix.SOL_XDP, unix.XDP_UMEM_FILL_RING, int(o.FillRingSize)); err != nil {
			return fmt.Errorf("fill ring: %w", err)
		}
		if err := unix.SetsockoptInt(s.fd, unix.SOL_XDP, unix.XDP_UMEM_COMPLETION_RING, int(o.CompletionRingSize)); err != nil {
			return fmt.Errorf("completion ring: %w", err)
		}
	}
	if o.RxRingSize > 0 {
		if err := unix.SetsockoptInt(s.fd, unix.SOL_XDP, unix.XDP_RX_RING, int(o.RxRingSize)); err != nil {
			return fmt.Errorf("rx ring: %w", err)
		}
	}
	if o.TxRingSize > 0 {
		if err := unix.SetsockoptInt(s.fd, unix.SOL_XDP, unix.XDP_TX_RING, int(o.TxRingSize)); err != nil {
			return fmt.Errorf("tx ring: %w", err)
		}
	}
	off, err := getMmapOffsets(s.fd)
	if err != nil {
		return fmt.Errorf("getsockopt XDP_MMAP_OFFSETS: %w", err)
	}
	if first {
		if err := g.mapUMEMRings(s.fd, off); err != nil {
			return err
		}
		s.comp = &g.comp
		// Hand every receive chunk to the kernel before binding, so a
		// zero-copy driver finds buffers as soon as it enables the queue.
		rxFrames := o.FrameCount - o.TxFrames
		for a := uint32(0); a < rxFrames; {
			k := min(rxFrames-a, 64)
			var addrs [64]uint64
			for j := uint32(0); j < k; j++ {
				addrs[j] = uint64(a+j) * uint64(o.FrameSize)
			}
			a += uint32(g.fill.fq.put(addrs[:k], g.fill.mask))
		}
	}
	if o.RxRingSize > 0 {
		mem, err := mmapRing(s.fd, unix.XDP_PGOFF_RX_RING, off.Rx, o.RxRingSize, descSize)
		if err != nil {
			return fmt.Errorf("rx ring: %w", err)
		}
		s.sys.rxMem = mem
		p, c, f, err := ringWords(mem, off.Rx)
		if err != nil {
			return fmt.Errorf("rx ring: %w", err)
		}
		if s.rx.ring, err = descRing(mem, off.Rx, o.RxRingSize); err != nil {
			return fmt.Errorf("rx ring: %w", err)
		}
		s.rx.init(p, c, f, o.RxRingSize)
	}
	if o.TxRingSize > 0 {
		mem, err := mmapRing(s.fd, unix.XDP_PGOFF_TX_RING, off.Tx, o.TxRingSize, descSize)
		if err != nil {
			return fmt.Errorf("tx ring: %w", err)
		}
		s.sys.txMem = mem
		p, c, f, err := ringWords(mem, off.Tx)
		if err != nil {
			return fmt.Errorf("tx ring: %w", err)
		}
		if s.tx.ring, err = descRing(mem, off.Tx, o.TxRingSize); err != nil {
			return fmt.Errorf("tx ring: %w", err)
		}
		s.tx.init(p, c, f, o.TxRingSize)
	}
	if first {
		if err := g.bindFirst(s); err != nil {
			return err
		}
	} else {
		// The kernel refuses mode flags on shared sockets: they inherit
		// the first socket's mode and need_wakeup setting.
		sa := &unix.SockaddrXDP{Flags: unix.XDP_SHARED_UMEM, Ifindex: uint32(g.ifindex),
			QueueID: uint32(g.queue), SharedUmemFD: uint32(g.sockets[0].fd)}
		if err := unix.Bind(s.fd, sa); err != nil {
			return fmt.Errorf("bind shared umem: %w", err)
		}
	}
	if o.BusyPoll {
		g.busyPoll(s)
	}
	return nil
}

// mapUMEMRings maps the fill and completion rings of the first socket.
func (g *Group) mapUMEMRings(fd int, off unix.XDPMmapOffsets) error {
	o := &g.opts
	mem, err := mmapRing(fd, unix.XDP_UMEM_PGOFF_FILL_RING, off.Fr, o.FillRingSize, 8)
	if err != nil {
		return fmt.Errorf("fill ring: %w", err)
	}
	g.sys.fillMem = mem
	p, c, f, err := ringWords(mem, off.Fr)
	if err != nil {
		return fmt.Errorf("fill ring: %w", err)
	}
	if g.fill.fq.ring, err = addrRing(mem, off.Fr, o.FillRingSize); err != nil {
		return fmt.Errorf("fill ring: %w", err)
	}
	g.fill.fq.init(p, c, f, o.FillRingSize)

	mem, err = mmapRing(fd, unix.XDP_UMEM_PGOFF_COMPLETION_RING, off.Cr, o.CompletionRingSize, 8)
	if err != nil {
		return fmt.Errorf("completion ring: %w", err)
	}
	g.sys.compMem = mem
	if p, c, f, err = ringWords(mem, off.Cr); err != nil {
		return fmt.Errorf("completion ring: %w", err)
	}
	if g.comp.ring, err = addrRing(mem, off.Cr, o.CompletionRingSize); err != nil {
		return fmt.Errorf("completion ring: %w", err)
	}
	g.comp.init(p, c, f, o.CompletionRingSize)
	return nil
}

func mmapRing(fd int, pgoff int64, off unix.XDPRingOffset, n uint32, entry uint64) ([]byte, error) {
	size := off.Desc + uint64(n)*entry
	mem, err := unix.Mmap(fd, pgoff, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return nil, fmt.Errorf("mmap %d bytes: %w", size, err)
	}
	return mem, nil
}

// bindFirst binds socket 0, trying zero-copy before copy mode when the
// options allow both.
func (g *Group) bindFirst(s *Socket) error {
	var wake uint16
	if g.opts.NeedWakeup {
		wake = unix.XDP_USE_NEED_WAKEUP
	}
	bind := func(mode uint16) error {
		return unix.Bind(s.fd, &unix.SockaddrXDP{Flags: mode | wake, Ifindex: uint32(g.ifindex), QueueID: uint32(g.queue)})
	}
	hint := func(err error) error {
		if errors.Is(err, unix.EBUSY) {
			return fmt.Errorf("%w (another AF_XDP socket already bound to this queue?)", err)
		}
		return err
	}
	switch g.opts.Mode {
	case ModeZeroCopy:
		if err := bind(unix.XDP_ZEROCOPY); err != nil {
			return fmt.Errorf("bind zero-copy: %w", hint(err))
		}
		g.mode = ModeZeroCopy
	case ModeCopy:
		if err := bind(unix.XDP_COPY); err != nil {
			return fmt.Errorf("bind copy mode: %w", hint(err))
		}
		g.mode = ModeCopy
	default:
		zerr := bind(unix.XDP_ZEROCOPY)
		if zerr == nil {
			g.mode = ModeZeroCopy
			return nil
		}
		g.opts.logf("xsk: ifindex %d queue %d: zero-copy bind refused (%v), falling back to copy mode", g.ifindex, g.queue, zerr)
		if err := bind(unix.XDP_COPY); err != nil {
			return fmt.Errorf("bind copy mode after zero-copy failed (%v): %w", zerr, hint(err))
		}
		g.mode = ModeCopy
	}
	return nil
}

// busyPoll sets the busy-polling socket options, logging the first
// refusal of the group.
func (g *Group) busyPoll(s *Socket) {
	o := &g.opts
	for _, opt := range [...]struct {
		name     string
		opt, val int
	}{
		{"SO_PREFER_BUSY_POLL", unix.SO_PREFER_BUSY_POLL, 1},
		{"SO_BUSY_POLL", unix.SO_BUSY_POLL, int(o.BusyPollTimeout.Microseconds())},
		{"SO_BUSY_POLL_BUDGET", unix.SO_BUSY_POLL_BUDGET, o.BusyPollBudget},
	} {
		if err := unix.SetsockoptInt(s.fd, unix.SOL_SOCKET, opt.opt, opt.val); err != nil {
			if !g.busyPollLogged {
				g.busyPollLogged = true
				o.logf("xsk: ifindex %d queue %d: %s refused (%v), busy polling stays off", g.ifindex, g.queue, opt.name, err)
			}
			return
		}
	}
	s.busyPoll = true
}

// Close closes every socket and unmaps the rings and the UMEM. Call it
// once, after all workers have stopped using the group's sockets.
func (g *Group) Close() error {
	var first error
	for i := len(g.sockets) - 1; i >= 0; i-- {
		s := g.sockets[i]
		for _, m := range [...][]byte{s.sys.rxMem, s.sys.txMem} {
			if m != nil {
				unix.Munmap(m)
			}
		}
		s.sys.rxMem, s.sys.txMem = nil, nil
		s.rx.ring, s.tx.ring, s.comp = nil, nil, nil
		if err := unix.Close(s.fd); err != nil && first == nil {
			first = fmt.Errorf("close xsk socket %d: %w", i, err)
		}
	}
	g.sockets = nil
	for _, m := range [...][]byte{g.sys.fillMem, g.sys.compMem, g.umem.mem} {
		if m != nil {
			unix.Munmap(m)
		}
	}
	g.sys = groupSys{}
	g.umem.mem = nil
	g.fill.fq.ring, g.comp.ring = nil, nil
	return first
}
