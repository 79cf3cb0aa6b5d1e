package conn

import (
	"errors"
	"fmt"
	"time"
)

// Options configures a Table. The zero value is not useful; start from
// DefaultOptions.
type Options struct {
	// MaxConns caps the table. When it is full, the least recently active
	// connection is evicted: logged as Zeek logs it at removal, and counted
	// in Stats.Evicted.
	MaxConns int

	// Inactivity timeouts (Zeek's tcp_inactivity_timeout,
	// udp_inactivity_timeout, icmp_inactivity_timeout and
	// unknown_ip_inactivity_timeout). Zero disables the timer.
	TCPInactivity, UDPInactivity, ICMPInactivity, UnknownInactivity time.Duration

	// TCP timers, as in Zeek's init-bare.zeek.
	TCPSYNTimeout        time.Duration // tcp_SYN_timeout: first check of a new connection
	TCPSessionTimer      time.Duration // tcp_session_timer: re-check period of the expire timer
	TCPConnectionLinger  time.Duration // tcp_connection_linger: quiet time before a closed connection expires
	TCPAttemptDelay      time.Duration // tcp_attempt_delay: unanswered SYN
	TCPCloseDelay        time.Duration // tcp_close_delay: after both sides closed (or a RST)
	TCPResetDelay        time.Duration // tcp_reset_delay: RST after a FIN
	TCPPartialCloseDelay time.Duration // tcp_partial_close_delay (see doc.go: unused by default, as in Zeek)
}

// DefaultOptions returns Zeek's defaults.
func DefaultOptions() Options {
	return Options{
		MaxConns:             1 << 20,
		TCPInactivity:        5 * time.Minute,
		UDPInactivity:        time.Minute,
		ICMPInactivity:       time.Minute,
		UnknownInactivity:    time.Minute,
		TCPSYNTimeout:        5 * time.Second,
		TCPSessionTimer:      6 * time.Second,
		TCPConnectionLinger:  5 * time.Second,
		TCPAttemptDelay:      5 * time.Second,
		TCPCloseDelay:        5 * time.Second,
		TCPResetDelay:        5 * time.Second,
		TCPPartialCloseDelay: 3 * time.Second,
	}
}

// ErrBadOptions is wrapped by the errors New returns for invalid options.
var ErrBadOptions = errors.New("invalid conn table options")

func (o *Options) validate() error {
	if o.MaxConns <= 0 || o.MaxConns > 1<<28 {
		return fmt.Errorf("%w: MaxConns %d out of range (1..%d)", ErrBadOptions, o.MaxConns, 1<<28)
	}
	for _, d := range []time.Duration{o.TCPInactivity, o.UDPInactivity, o.ICMPInactivity, o.UnknownInactivity,
		o.TCPSYNTimeout, o.TCPSessionTimer, o.TCPConnectionLinger, o.TCPAttemptDelay, o.TCPCloseDelay,
		o.TCPResetDelay, o.TCPPartialCloseDelay} {
		if d < 0 {
			return fmt.Errorf("%w: negative duration %v", ErrBadOptions, d)
		}
	}
	if o.TCPSessionTimer == 0 || o.TCPSYNTimeout == 0 {
		return fmt.Errorf("%w: TCPSYNTimeout and TCPSessionTimer must be positive", ErrBadOptions)
	}
	return nil
}
