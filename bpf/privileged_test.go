//go:build linux

package bpf

import (
	"os"
	"testing"
)

// requirePrivileged skips the test when the process cannot load BPF
// programs, unless XSENSOR_REQUIRE_PRIVILEGED=1 (CI runs as root), where
// it fails instead.
func requirePrivileged(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("XSENSOR_REQUIRE_PRIVILEGED") == "1" {
		t.Fatal("privileged test: not root, but XSENSOR_REQUIRE_PRIVILEGED=1")
	}
	t.Skip("privileged test: needs root (CAP_BPF, CAP_NET_ADMIN); set XSENSOR_REQUIRE_PRIVILEGED=1 to fail instead of skipping")
}

// loadTest loads the program with the debug record on and closes it at
// the end of the test.
func loadTest(t testing.TB, opts Options) *Program {
	t.Helper()
	requirePrivileged(t)
	opts.debug = true
	p, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

func TestLoad(t *testing.T) {
	p := loadTest(t, Options{WorkersPerQueue: 3, Queues: 2})
	if got := p.Slots(); got != 6 {
		t.Errorf("Slots() = %d, want 6", got)
	}
}
