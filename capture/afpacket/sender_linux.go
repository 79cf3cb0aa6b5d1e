package afpacket

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// NewSender opens a transmit-only AF_PACKET socket on ifindex (in the
// calling thread's network namespace). It receives nothing.
func NewSender(ifindex int, opts SenderOptions) (*Sender, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket AF_PACKET: %w (needs CAP_NET_RAW)", err)
	}
	if opts.QdiscBypass {
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("set PACKET_QDISC_BYPASS: %w", err)
		}
	}
	// Protocol 0 in bind keeps the socket from receiving; the kernel
	// takes the frame's protocol from its Ethernet header.
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifindex}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind afpacket sender to ifindex %d: %w", ifindex, err)
	}
	return &Sender{fd: fd, ifindex: ifindex}, nil
}

// Send transmits one frame (starting with its Ethernet header). It does
// not allocate. The error is the bare errno: ENOBUFS or EAGAIN mean the
// frame was dropped on the way (queue or peer full) and may be retried.
func (s *Sender) Send(frame []byte) error {
	_, err := unix.Write(s.fd, frame)
	if err != nil {
		return err
	}
	s.sent++
	return nil
}

// Close closes the socket.
func (s *Sender) Close() error {
	if s.fd < 0 {
		return nil
	}
	err := unix.Close(s.fd)
	s.fd = -1
	if err != nil {
		return fmt.Errorf("close afpacket sender: %w", err)
	}
	return nil
}
