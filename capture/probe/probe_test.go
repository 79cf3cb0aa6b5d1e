package probe

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseRelease(t *testing.T) {
	for _, tc := range []struct {
		rel        string
		maj, min   int
		wantErrors bool
	}{
		{"6.18.44-fc-v857", 6, 18, false},
		{"5.10.0-28-amd64", 5, 10, false},
		{"4.19.0+", 4, 19, false},
		{"6", 0, 0, true},
		{"x.y", 0, 0, true},
	} {
		maj, min, err := parseRelease(tc.rel)
		if (err != nil) != tc.wantErrors || maj != tc.maj || min != tc.min {
			t.Errorf("parseRelease(%q) = %d, %d, %v", tc.rel, maj, min, err)
		}
	}
}

func TestStatusText(t *testing.T) {
	for _, s := range []Status{OK, Warn, Fail} {
		b, _ := s.MarshalText()
		var got Status
		if err := got.UnmarshalText(b); err != nil || got != s {
			t.Errorf("%v: round trip %v, %v", s, got, err)
		}
	}
	var s Status
	if err := s.UnmarshalText([]byte("bad")); err == nil {
		t.Error("UnmarshalText accepted bad")
	}
}

func TestWriteAndWorst(t *testing.T) {
	fs := []Finding{ok("a", "fine"), warn("b", "do this", "meh"), fail("c", "do that", "broken")}
	if Worst(fs) != Fail || Worst(fs[:2]) != Warn || Worst(nil) != OK {
		t.Error("Worst")
	}
	var b bytes.Buffer
	if err := Write(&b, fs); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"ok   a", "warn b", "hint: do this", "fail c", "1 ok, 1 warn, 1 fail"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if f, ok := Find(fs, "b"); !ok || f.Status != Warn {
		t.Error("Find")
	}
}

func TestCPUs(t *testing.T) {
	fs := checkCPUs(Options{LBProcs: 1 << 20, PinCPUs: []int{0, 1 << 20}})
	if f, ok := Find(fs, "lb_procs"); !ok || f.Status != Warn || f.Hint == "" {
		t.Errorf("lb_procs beyond the cores: %+v", f)
	}
	if f, ok := Find(fs, "pin_cpus"); !ok || f.Status != Fail || !strings.Contains(f.Detail, "1048576") {
		t.Errorf("pin_cpus beyond the cores: %+v", f)
	}
	fs = checkCPUs(Options{LBProcs: 1, PinCPUs: []int{0}})
	if Worst(fs) != OK {
		t.Errorf("one worker on core 0: %v", fs)
	}
	fs = checkCPUs(Options{LBProcs: 2, PinCPUs: []int{0}})
	if f, _ := Find(fs, "pin_cpus"); f.Status != Fail {
		t.Errorf("fewer pin_cpus than workers: %+v", f)
	}
}

func TestRunHostOnly(t *testing.T) {
	fs := Run(Options{})
	for _, c := range []string{"kernel", "memlock", "cpus", "bpf"} {
		if _, ok := Find(fs, c); !ok {
			t.Errorf("no %s finding in %v", c, fs)
		}
	}
	if _, ok := Find(fs, "interface"); ok {
		t.Error("interface checked without an interface")
	}
	for _, f := range fs {
		if f.Status != OK && f.Hint == "" {
			t.Errorf("finding without a hint: %+v", f)
		}
	}
}

func TestRunMissingInterface(t *testing.T) {
	fs := Run(Options{Interface: "xsnosuch0"})
	if f, ok := Find(fs, "interface"); !ok || f.Status != Fail || f.Hint == "" {
		t.Errorf("missing interface: %+v", f)
	}
	if fs := Run(Options{LBProcs: -1}); Worst(fs) != Fail {
		t.Errorf("bad options: %v", fs)
	}
}
