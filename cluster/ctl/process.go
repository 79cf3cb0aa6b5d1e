package ctl

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"xsensor/cluster/config"
)

// Files ctl keeps in SpoolDir/<node>/.
const (
	PIDFile    = "pid"
	StderrFile = "stderr.log"
	ReadyFile  = "ready"
)

func nodeDir(c *config.Cluster, n *config.Node) string {
	return filepath.Join(c.Options.SpoolDir, n.Name)
}

// ReadPID returns the pid recorded for n, and whether that process is
// still n (alive, not a zombie, and its command line names the node).
func ReadPID(c *config.Cluster, n *config.Node) (pid int, running bool) {
	b, err := os.ReadFile(filepath.Join(nodeDir(c, n), PIDFile))
	if err != nil {
		return 0, false
	}
	pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, isNode(pid, n.Name)
}

// isNode reports whether pid is alive and runs node name.
func isNode(pid int, name string) bool {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if i := bytes.LastIndexByte(st, ')'); i >= 0 && i+2 < len(st) && (st[i+2] == 'Z' || st[i+2] == 'X') {
		return false
	}
	cl, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	for _, a := range bytes.Split(cl, []byte{0}) {
		if string(a) == name {
			return true
		}
	}
	return false
}

// Uptime returns how long pid has run (from /proc/PID/stat's start
// time and /proc/uptime, assuming USER_HZ = 100), or 0.
func Uptime(pid int) time.Duration {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(st, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(st[i+1:]))
	if len(f) < 20 {
		return 0
	}
	ticks, err := strconv.ParseFloat(f[19], 64) // field 22 of stat
	if err != nil {
		return 0
	}
	up, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0
	}
	uf := strings.Fields(string(up))
	if len(uf) == 0 {
		return 0
	}
	sys, err := strconv.ParseFloat(uf[0], 64)
	if err != nil {
		return 0
	}
	return time.Duration((sys - ticks/100) * float64(time.Second)).Round(time.Second)
}

// waitGone waits up to timeout for pid (node name) to go; false when it
// is still there.
func waitGone(pid int, name string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for isNode(pid, name) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// stopPID stops pid (node name): SIGTERM, then SIGKILL after timeout.
func stopPID(pid int, name string, timeout time.Duration) (killed bool, err error) {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return false, fmt.Errorf("signal %s (pid %d): %w", name, pid, err)
	}
	if waitGone(pid, name, timeout) {
		return false, nil
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if !waitGone(pid, name, 5*time.Second) {
		return true, fmt.Errorf("%s (pid %d) survived SIGKILL", name, pid)
	}
	return true, nil
}

// lastLine returns the last non-empty line of a file (for errors).
func lastLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
