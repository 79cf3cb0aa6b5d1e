package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain lets tests run the xsensor binary as a child process without
// building it: the test binary re-executes itself with
// XSENSOR_MAIN_ARGS set and behaves as `xsensor ARGS…`.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("XSENSOR_MAIN_ARGS"); ok {
		os.Args = append([]string{"xsensor"}, strings.Split(args, "\n")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// xsensorCmd returns a command that runs `xsensor args…` in a child.
func xsensorCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "XSENSOR_MAIN_ARGS="+strings.Join(args, "\n"))
	return cmd
}
