package cpu

import "errors"

// ErrUnsupported is returned by Pin where thread affinity is not
// available.
var ErrUnsupported = errors.New("cpu pinning not supported on this system")
