package probe

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Kernel versions the live sensor relies on: AF_XDP need_wakeup (5.4);
// sockets of several queues sharing a UMEM and bpf_link XDP attachment
// (5.10, the first LTS with both).
const (
	minKernelMajor, minKernelMinor   = 5, 4
	goodKernelMajor, goodKernelMinor = 5, 10
)

func checkKernel() Finding {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return fail("kernel", "", "uname: %v", err)
	}
	rel := unix.ByteSliceToString(u.Release[:])
	maj, min, err := parseRelease(rel)
	if err != nil {
		return warn("kernel", "", "cannot parse kernel release %q: %v", rel, err)
	}
	hint := fmt.Sprintf("install Linux %d.%d or later (Debian: the bookworm kernel or a backport)", goodKernelMajor, goodKernelMinor)
	switch {
	case maj < minKernelMajor || maj == minKernelMajor && min < minKernelMinor:
		return fail("kernel", hint, "Linux %s: AF_XDP with need_wakeup needs %d.%d or later", rel, minKernelMajor, minKernelMinor)
	case maj < goodKernelMajor || maj == goodKernelMajor && min < goodKernelMinor:
		return warn("kernel", hint, "Linux %s: shared UMEM across queues and bpf_link XDP need %d.%d", rel, goodKernelMajor, goodKernelMinor)
	}
	return ok("kernel", "Linux %s", rel)
}
