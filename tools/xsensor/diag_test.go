package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"xsensor/capture/probe"
)

// TestDiagCommand probes the loopback interface without touching it: the
// host and interface checks run and print a hint per finding that is not
// ok.
func TestDiagCommand(t *testing.T) {
	c, err := parseDiag([]string{"-i", "lo", "--no-attach", "--lb-procs", "1", "--pin-cpus", "0"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := diag(&out, c); err != nil && !errors.Is(err, errDiagFailed) {
		t.Fatal(err)
	}
	for _, want := range []string{"kernel", "bpf", "interface        lo", "promisc", "rx-queues", "gro", "pin_cpus"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("diag output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "xdp-driver") {
		t.Error("--no-attach attached XDP")
	}
}

// TestDiagNodeCfg probes the workers of a node.cfg that run on this host,
// with their lb_procs and pin_cpus, and skips replaying and remote ones.
func TestDiagNodeCfg(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "node.cfg")
	os.WriteFile(cfg, []byte(`[manager]
type=manager
host=localhost

[worker-1]
type=worker
host=localhost
interface=af_packet::lo
lb_method=af_packet
lb_procs=1
pin_cpus=0

[worker-2]
type=worker
host=127.0.0.1
interface=pcap::/data/trace.pcap

[worker-3]
type=worker
host=192.0.2.77
interface=eth9
`), 0o644)
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("0123456789abcdef0123456789abcdef\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "xsensor.cfg"), []byte("SecretFile = "+secret+"\n"), 0o644)
	c, err := parseDiag([]string{"-c", cfg, "--no-attach", "--json"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := diag(&out, c); err != nil && !errors.Is(err, errDiagFailed) {
		t.Fatal(err)
	}
	var rs []struct {
		Target   string
		Findings []probe.Finding
	}
	if err := json.Unmarshal(out.Bytes(), &rs); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	if len(rs) != 1 || !strings.HasPrefix(rs[0].Target, "worker-1 ") {
		t.Fatalf("targets %+v, want worker-1 only", rs)
	}
	if f, ok := probe.Find(rs[0].Findings, "pin_cpus"); !ok || f.Status != probe.OK {
		t.Errorf("pin_cpus of worker-1: %+v", f)
	}
	if _, err := parseDiag([]string{"--pin-cpus", "0,x"}); err == nil {
		t.Error("bad --pin-cpus accepted")
	}
	c.nodeCfg = filepath.Join(dir, "missing.cfg")
	if err := diag(&out, c); err == nil || !strings.Contains(err.Error(), "missing.cfg") {
		t.Errorf("missing node.cfg: %v", err)
	}
}
