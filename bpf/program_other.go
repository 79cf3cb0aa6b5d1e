//go:build !linux || !(386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package bpf

import (
	"errors"
	"net/netip"
)

// ErrNotSupported: XDP needs Linux on a little-endian CPU.
var ErrNotSupported = errors.New("xdp is only supported on little-endian linux")

// Program is the loaded XDP program; see program_linux.go.
type Program struct{}

// Link is an attached program; see attach_linux.go.
type Link struct {
	Ifindex  int
	Mode     AttachMode
	Replaced uint32
	Fallback string
}

// Counters: see program_linux.go.
type Counters struct {
	Seen, Bytes, Redirected, Passed, Dropped, ParseErrors, RedirectFailures, Shunted, Filtered uint64
}

// ShuntStats: see program_linux.go.
type ShuntStats struct{ Packets, Bytes uint64 }

// Load returns ErrNotSupported.
func Load(Options) (*Program, error) { return nil, ErrNotSupported }

func (*Program) Options() Options                           { return Options{} }
func (*Program) Slots() int                                 { return 0 }
func (*Program) Slot(q, w int) int                          { return 0 }
func (*Program) Attach(int, AttachMode) (*Link, error)      { return nil, ErrNotSupported }
func (*Program) Register(int, int) error                    { return ErrNotSupported }
func (*Program) Unregister(int) error                       { return ErrNotSupported }
func (*Program) Counters() (Counters, error)                { return Counters{}, ErrNotSupported }
func (*Program) Shunt(FlowKey) error                        { return ErrNotSupported }
func (*Program) Unshunt(FlowKey) error                      { return ErrNotSupported }
func (*Program) ShuntStats(FlowKey) (ShuntStats, error)     { return ShuntStats{}, ErrNotSupported }
func (*Program) SetFilter([]netip.Prefix, FilterMode) error { return ErrNotSupported }
func (*Program) Close() error                               { return nil }
func (*Link) Close() error                                  { return nil }

// Attached returns ErrNotSupported.
func Attached(int) (bool, error) { return false, ErrNotSupported }
