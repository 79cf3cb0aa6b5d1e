package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestCtlBadConfig: each broken node.cfg makes `xsensor ctl -c node.cfg
// start` fail with one line on stderr that names the file, line and key,
// a non-zero exit status, and nothing started: no SpoolDir (where pid
// files go), no process running the config, no node port taken.
func TestCtlBadConfig(t *testing.T) {
	good := "[manager]\ntype=manager\nhost=127.0.0.1\n\n[proxy-1]\ntype=proxy\nhost=127.0.0.1\n\n"
	cases := []struct {
		name, nodeCfg, want string
	}{
		{"unknown key", good + "[worker-1]\ntype=worker\nhost=127.0.0.1\ninterface=lo\nbogus_key=1\n",
			"node.cfg:13: worker-1: bogus_key: "},
		{"duplicate node", good + "[proxy-1]\ntype=proxy\nhost=127.0.0.1\n",
			"node.cfg:9: proxy-1: duplicate node name (first defined at line 5)"},
		{"worker without interface", good + "[worker-1]\ntype=worker\nhost=127.0.0.1\n",
			"node.cfg:9: worker-1: interface: missing"},
		{"pin_cpus beyond cores", good + fmt.Sprintf("[worker-1]\ntype=worker\nhost=127.0.0.1\ninterface=lo\nlb_method=af_packet\nlb_procs=1\npin_cpus=%d\n", runtime.NumCPU()),
			fmt.Sprintf("worker-1: pin_cpus: CPU %d does not exist", runtime.NumCPU())},
		{"interface not on this host", good + "[worker-1]\ntype=worker\nhost=127.0.0.1\ninterface=xsnosuch0\n",
			"worker-1: interface: no interface xsnosuch0 on this host"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			base := freePortRange(t, 3)
			cfg := filepath.Join(dir, "node.cfg")
			spool := filepath.Join(dir, "spool")
			xs := fmt.Sprintf("BasePort = %d\nLogDir = %s\nSpoolDir = %s\n", base, filepath.Join(dir, "logs"), spool)
			if err := os.WriteFile(cfg, []byte(tc.nodeCfg), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "xsensor.cfg"), []byte(xs), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := xsensorCmd("ctl", "-c", cfg, "start")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() == 0 {
				t.Fatalf("exit: %v, want a non-zero status\nstdout: %s\nstderr: %s", err, &stdout, &stderr)
			}
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr = %q, want one line containing %q", stderr.String(), tc.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", &stdout)
			}
			if _, err := os.Stat(spool); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("SpoolDir %s exists (%v): something was started", spool, err)
			}
			if pids := procsWith(cfg); len(pids) > 0 {
				t.Errorf("processes %v run %s", pids, cfg)
			}
			for p := base; p < base+3; p++ {
				l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
				if err != nil {
					t.Errorf("port %d taken: %v", p, err)
					continue
				}
				l.Close()
			}
		})
	}
}

// freePortRange returns p such that p … p+n-1 are free on 127.0.0.1 now.
func freePortRange(t *testing.T, n int) int {
	t.Helper()
	for base := 31000 + os.Getpid()%5000; base < 60000; base += n {
		ok := true
		for p := base; p < base+n && ok; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free ports")
	return 0
}

// procsWith returns the pids whose command line has arg.
func procsWith(arg string) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		cl, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for _, a := range bytes.Split(cl, []byte{0}) {
			if string(a) == arg {
				out = append(out, e.Name())
			}
		}
	}
	return out
}

// TestParseCtl: flags go before or after the verb; a bad verb is one error.
func TestParseCtl(t *testing.T) {
	a, err := parseCtl([]string{"-c", "x.cfg", "netstats", "--node", "worker-1", "--local", "--json"})
	if err != nil || a.verb != "netstats" || a.node != "worker-1" || !a.local || !a.json || a.cfg != "x.cfg" {
		t.Fatalf("parseCtl = %+v, %v", a, err)
	}
	if _, err := parseCtl([]string{"launch"}); err == nil || !strings.Contains(err.Error(), `unknown verb "launch"`) {
		t.Fatalf("bad verb: %v", err)
	}
	if _, err := parseCtl(nil); err == nil {
		t.Fatal("no verb: no error")
	}
}
