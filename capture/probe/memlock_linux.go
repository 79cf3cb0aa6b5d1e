package probe

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"xsensor/capture/live"
)

// umemPerQueue is the memory the live sensor locks per RX queue: one UMEM
// of live.DefaultOptions' frames.
func umemPerQueue() uint64 {
	x := live.DefaultOptions().XSK
	return uint64(x.FrameCount) * uint64(x.FrameSize)
}

// capIPCLock is CAP_IPC_LOCK: with it the kernel does not charge AF_XDP
// UMEM against RLIMIT_MEMLOCK.
const capIPCLock = 14

func checkMemlock(o Options) Finding {
	const check = "memlock"
	queues := 1
	if o.Interface != "" {
		queues = live.RXQueues(o.Interface)
	}
	need := umemPerQueue() * uint64(queues)
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &lim); err != nil {
		return warn(check, "", "getrlimit RLIMIT_MEMLOCK: %v", err)
	}
	hint := "set LimitMEMLOCK=infinity in the unit (the packaged units do) or run `ulimit -l unlimited` before xsensor"
	switch {
	case lim.Cur == unix.RLIM_INFINITY:
		return ok(check, "RLIMIT_MEMLOCK unlimited")
	case lim.Cur >= need:
		return ok(check, "RLIMIT_MEMLOCK %s, AF_XDP needs %s", size(lim.Cur), size(need))
	case hasCap(capIPCLock):
		return ok(check, "RLIMIT_MEMLOCK %s, but CAP_IPC_LOCK exempts AF_XDP UMEM (needs %s)", size(lim.Cur), size(need))
	}
	return warn(check, hint, "RLIMIT_MEMLOCK %s is below the %s of AF_XDP UMEM for %d RX queue(s)", size(lim.Cur), size(need), queues)
}

// hasCap reports whether the process has capability bit c in CapEff.
func hasCap(c uint) bool {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && m&(1<<c) != 0
		}
	}
	return false
}

func size(b uint64) string {
	switch {
	case b >= 1<<30 && b%(1<<30) == 0:
		return strconv.FormatUint(b>>30, 10) + " GiB"
	case b >= 1<<20:
		return strconv.FormatUint(b>>20, 10) + " MiB"
	case b >= 1<<10:
		return strconv.FormatUint(b>>10, 10) + " KiB"
	}
	return strconv.FormatUint(b, 10) + " B"
}
