package probe

import (
	"fmt"
	"io"
	"strings"
)

// Status grades a finding.
type Status uint8

const (
	OK   Status = iota // works as the sensor needs
	Warn               // works, but capture is slower or sees altered packets
	Fail               // the sensor cannot run this way
)

var statusNames = [...]string{OK: "ok", Warn: "warn", Fail: "fail"}

// String returns "ok", "warn" or "fail".
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// MarshalText returns the status's name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses the names String returns.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if string(b) == n {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("status %q: want ok, warn or fail", b)
}

// Finding is the result of one check.
type Finding struct {
	Check  string `json:"check"`  // short name: "kernel", "xdp-driver", "gro" …
	Status Status `json:"status"` // ok, warn or fail
	Detail string `json:"detail"` // what was found
	Hint   string `json:"hint"`   // how to fix it; empty when ok
}

func (f Finding) String() string {
	s := fmt.Sprintf("%-4s %-16s %s", f.Status, f.Check, f.Detail)
	if f.Hint != "" {
		s += "\n     hint: " + f.Hint
	}
	return s
}

// Worst returns the most severe status among fs (OK for none).
func Worst(fs []Finding) Status {
	w := OK
	for _, f := range fs {
		if f.Status > w {
			w = f.Status
		}
	}
	return w
}

// Find returns the first finding of check, if any.
func Find(fs []Finding, check string) (Finding, bool) {
	for _, f := range fs {
		if f.Check == check {
			return f, true
		}
	}
	return Finding{}, false
}

// Write prints findings one per line (hints indented below), followed by
// a count per status.
func Write(w io.Writer, fs []Finding) error {
	var b strings.Builder
	var n [len(statusNames)]int
	for _, f := range fs {
		b.WriteString(f.String())
		b.WriteByte('\n')
		if int(f.Status) < len(n) {
			n[f.Status]++
		}
	}
	fmt.Fprintf(&b, "%d ok, %d warn, %d fail\n", n[OK], n[Warn], n[Fail])
	_, err := io.WriteString(w, b.String())
	return err
}

func ok(check, format string, a ...any) Finding {
	return Finding{Check: check, Status: OK, Detail: fmt.Sprintf(format, a...)}
}

func warn(check, hint, format string, a ...any) Finding {
	return Finding{Check: check, Status: Warn, Detail: fmt.Sprintf(format, a...), Hint: hint}
}

func fail(check, hint, format string, a ...any) Finding {
	return Finding{Check: check, Status: Fail, Detail: fmt.Sprintf(format, a...), Hint: hint}
}
