package trafficgen

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"xsensor/capture/afpacket"
)

// SendOptions configure a Sender.
type SendOptions struct {
	Ifindex int
	// Rate is the target in packets per second; 0 sends as fast as the
	// socket takes them.
	Rate float64
}

// SendReport says exactly what a Sender put on the wire.
type SendReport struct {
	Packets, Bytes uint64
	// Retries counts sends the kernel refused for lack of buffer space
	// (ENOBUFS, EAGAIN) and that were retried; nothing is skipped.
	Retries uint64
	Elapsed time.Duration
}

// PPS is the achieved packet rate.
func (r SendReport) PPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Packets) / r.Elapsed.Seconds()
}

func (r SendReport) String() string {
	return fmt.Sprintf("sent %d packets, %d bytes in %.3fs (%.0f pkts/s, %.1f Mbps), %d retries",
		r.Packets, r.Bytes, r.Elapsed.Seconds(), r.PPS(), float64(r.Bytes)*8/1e6/max(r.Elapsed.Seconds(), 1e-9), r.Retries)
}

// Sender paces frames onto an interface through an AF_PACKET socket
// (qdisc bypassed). Make it inside the namespace that holds the
// interface (topology.Topology.Do); it may be used from any one goroutine
// afterwards.
type Sender struct {
	o     SendOptions
	s     *afpacket.Sender
	rep   SendReport
	start time.Time
}

// NewSender opens the socket.
func NewSender(o SendOptions) (*Sender, error) {
	s, err := afpacket.NewSender(o.Ifindex, afpacket.SenderOptions{QdiscBypass: true})
	if err != nil {
		return nil, fmt.Errorf("packet sender on ifindex %d: %w", o.Ifindex, err)
	}
	return &Sender{o: o, s: s}, nil
}

// Send puts one frame on the wire, waiting for its slot at the target
// rate and retrying while the kernel has no buffer space.
func (s *Sender) Send(frame []byte) error {
	if s.start.IsZero() {
		s.start = time.Now()
	}
	if s.o.Rate > 0 {
		due := s.start.Add(time.Duration(float64(s.rep.Packets) / s.o.Rate * 1e9))
		if d := time.Until(due); d > 200*time.Microsecond {
			time.Sleep(d)
		} else {
			for time.Now().Before(due) {
			}
		}
	}
	for {
		err := s.s.Send(frame)
		if err == nil {
			break
		}
		if errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.EAGAIN) {
			s.rep.Retries++
			time.Sleep(10 * time.Microsecond)
			continue
		}
		return fmt.Errorf("send frame %d: %w", s.rep.Packets+1, err)
	}
	s.rep.Packets++
	s.rep.Bytes += uint64(len(frame))
	s.rep.Elapsed = time.Since(s.start)
	return nil
}

// Report returns what has been sent so far.
func (s *Sender) Report() SendReport { return s.rep }

// Close closes the socket.
func (s *Sender) Close() error { return s.s.Close() }
