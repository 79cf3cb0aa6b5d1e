package xsk

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// socketSys holds a socket's Linux-only state.
type socketSys struct {
	rxMem, txMem []byte
	pfd          [1]unix.PollFd
}

// Wait blocks until the RX ring has descriptors (or, for a TX-only socket,
// the TX ring has room) or timeout passes; a negative timeout waits
// forever. It reports whether the socket is ready. poll is also how the
// kernel gets woken when it set need_wakeup on the fill ring. With busy
// polling, Wait first spins once in a non-blocking recvfrom (the kernel's
// busy-poll loop for this socket) and only polls if that found nothing.
// Only the socket's worker may call it.
func (s *Socket) Wait(timeout time.Duration) (bool, error) {
	if s.busyPoll && s.rx.ring != nil {
		// poll only busy-loops when the global net.core.busy_poll is
		// set; recvfrom honours the socket's own SO_BUSY_POLL.
		s.wakeups.Add(1)
		recvDontWait(s.fd)
		if s.rx.avail(1) > 0 {
			return true, nil
		}
	}
	ms := -1
	if timeout >= 0 {
		ms = int((timeout + time.Millisecond - 1) / time.Millisecond)
	}
	ev := int16(unix.POLLIN)
	if s.rx.ring == nil {
		ev = unix.POLLOUT
	}
	s.sys.pfd[0] = unix.PollFd{Fd: int32(s.fd), Events: ev}
	s.wakeups.Add(1)
	n, err := unix.Poll(s.sys.pfd[:], ms)
	if err != nil {
		if errors.Is(err, unix.EINTR) {
			return false, nil
		}
		return false, fmt.Errorf("poll xsk: %w", err)
	}
	if n > 0 && s.sys.pfd[0].Revents&(unix.POLLERR|unix.POLLNVAL) != 0 {
		return false, fmt.Errorf("poll xsk: revents %#x", s.sys.pfd[0].Revents)
	}
	return n > 0, nil
}

// Kick tells the kernel there is something on the TX ring. With
// need_wakeup it makes the sendto only when the kernel asked for one.
// Transient refusals (EAGAIN, EBUSY, ENOBUFS, ENETDOWN) are not errors:
// the frames stay queued and the next Kick retries. Only the socket's
// worker may call it.
func (s *Socket) Kick() error {
	if s.tx.ring == nil || s.needWakeup && !s.tx.needWakeup() {
		return nil
	}
	s.wakeups.Add(1)
	err := unix.Sendto(s.fd, nil, unix.MSG_DONTWAIT, nil)
	switch {
	case err == nil, errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EBUSY),
		errors.Is(err, unix.ENOBUFS), errors.Is(err, unix.ENETDOWN):
		return nil
	}
	return fmt.Errorf("kick xsk tx: %w", err)
}

// Stats returns the socket's kernel and user counters. Any goroutine may
// call it.
func (s *Socket) Stats() (Stats, error) {
	var st Stats
	s.userStats(&st)
	k, err := getStatistics(s.fd)
	if err != nil {
		return st, fmt.Errorf("getsockopt XDP_STATISTICS: %w", err)
	}
	st.RxDropped = k.Rx_dropped
	st.RxInvalidDescs = k.Rx_invalid_descs
	st.TxInvalidDescs = k.Tx_invalid_descs
	st.RxRingFull = k.Rx_ring_full
	st.RxFillRingEmptyDescs = k.Rx_fill_ring_empty_descs
	st.TxRingEmptyDescs = k.Tx_ring_empty_descs
	return st, nil
}
