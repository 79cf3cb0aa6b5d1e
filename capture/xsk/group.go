package xsk

import "errors"

// ErrUnsupported is returned on systems without AF_XDP.
var ErrUnsupported = errors.New("AF_XDP needs Linux")

// Group is the set of AF_XDP sockets bound to one (interface, RX queue)
// pair, sharing one UMEM. Socket 0 registered the UMEM and owns its
// completion ring; the fill ring is shared through the filler (see
// doc.go). The XDP program picks a socket per packet through an XSKMAP
// holding each Socket's FD.
//
// OpenGroup and Close are called by one controlling goroutine; Close only
// after every goroutine using the group's sockets has stopped. Each Socket
// then belongs to one worker goroutine (see Socket).
type Group struct {
	ifindex int
	queue   int
	mode    Mode // ModeZeroCopy or ModeCopy once bound
	opts    Options
	umem    UMEM
	fill    filler
	comp    completionQueue
	sockets []*Socket
	sys     groupSys

	busyPollLogged bool
}

// Sockets returns the group's sockets; socket 0 owns the completion ring.
func (g *Group) Sockets() []*Socket { return g.sockets }

// UMEM returns the group's packet memory.
func (g *Group) UMEM() *UMEM { return &g.umem }

// Mode returns the mode the group's sockets were bound in: ModeZeroCopy
// or ModeCopy.
func (g *Group) Mode() Mode { return g.mode }

// Queue returns the RX queue the group is bound to.
func (g *Group) Queue() int { return g.queue }

// Ifindex returns the interface the group is bound to.
func (g *Group) Ifindex() int { return g.ifindex }
