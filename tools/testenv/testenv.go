package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// RequirePrivileged skips a test that needs root (BPF, XDP, namespaces),
// or fails it when XSENSOR_REQUIRE_PRIVILEGED=1, as CI sets: a privileged
// tier that silently skipped in CI would look like a pass.
func RequirePrivileged(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("XSENSOR_REQUIRE_PRIVILEGED") == "1" {
		t.Fatal("this test needs root (CAP_BPF, CAP_NET_ADMIN) and XSENSOR_REQUIRE_PRIVILEGED=1 forbids skipping it")
	}
	t.Skip("skipped: needs root (CAP_BPF, CAP_NET_ADMIN); set XSENSOR_REQUIRE_PRIVILEGED=1 to make this a failure")
}

// SharedDir returns the ../shared folder beside the repository (Zeek's
// traces and baselines), or $XSENSOR_SHARED, or "" when there is none.
func SharedDir() string {
	if d := os.Getenv("XSENSOR_SHARED"); d != "" {
		return d
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	// file is <repo>/tools/testenv/testenv.go.
	d := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared")
	if _, err := os.Stat(d); err != nil {
		return ""
	}
	return filepath.Clean(d)
}

// RequireData skips when test data is missing, unless CI=true or
// XSENSOR_REQUIRE_CONFORMANCE=1, which turn the skip into a failure.
func RequireData(t testing.TB, what, path string) {
	t.Helper()
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	if os.Getenv("XSENSOR_REQUIRE_CONFORMANCE") == "1" || os.Getenv("CI") == "true" {
		t.Fatalf("%s missing at %q (required in CI)", what, path)
	}
	t.Skipf("%s missing at %q; set XSENSOR_SHARED", what, path)
}
