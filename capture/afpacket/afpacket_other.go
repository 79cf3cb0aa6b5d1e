//go:build !linux

package afpacket

import "time"

type socketSys struct{}

// Open fails: AF_PACKET exists only on Linux.
func Open(ifindex int, opts Options) (*Socket, error) { return nil, ErrUnsupported }

// Wait fails: AF_PACKET exists only on Linux.
func (s *Socket) Wait(timeout time.Duration) (bool, error) { return false, ErrUnsupported }

// Stats fails: AF_PACKET exists only on Linux.
func (s *Socket) Stats() (Stats, error) { return Stats{}, ErrUnsupported }

// Close does nothing.
func (s *Socket) Close() error { return nil }

func (s *Socket) blockReady() bool { return false }

func (s *Socket) setBlockKernel() {}

// NewSender fails: AF_PACKET exists only on Linux.
func NewSender(ifindex int, opts SenderOptions) (*Sender, error) { return nil, ErrUnsupported }

// Send fails: AF_PACKET exists only on Linux.
func (s *Sender) Send(frame []byte) error { return ErrUnsupported }

// Close does nothing.
func (s *Sender) Close() error { return nil }
