//go:build !linux

package xsk

import "time"

type groupSys struct{}

type socketSys struct{}

// OpenGroup fails: AF_XDP exists only on Linux.
func OpenGroup(ifindex, queue, n int, opts Options) (*Group, error) { return nil, ErrUnsupported }

// Close does nothing.
func (g *Group) Close() error { return nil }

// Wait fails: AF_XDP exists only on Linux.
func (s *Socket) Wait(timeout time.Duration) (bool, error) { return false, ErrUnsupported }

// Kick fails: AF_XDP exists only on Linux.
func (s *Socket) Kick() error { return ErrUnsupported }

// Stats returns the user-side counters only.
func (s *Socket) Stats() (Stats, error) {
	var st Stats
	s.userStats(&st)
	return st, ErrUnsupported
}
