//go:build !linux

package probe

func checkKernel() Finding {
	return fail("kernel", "run xsensor on Linux", "not Linux: XDP, AF_XDP and AF_PACKET are Linux interfaces")
}

func checkMemlock(Options) Finding { return ok("memlock", "not checked off Linux") }

func checkBPF() Finding { return fail("bpf", "run xsensor on Linux", "no bpf(2) off Linux") }

func checkInterface(o Options) []Finding {
	return []Finding{fail("interface", "run xsensor on Linux", "interface %s: capture needs Linux", o.Interface)}
}
