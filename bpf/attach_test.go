//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package bpf

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"
)

func progID(t testing.TB, p *ebpf.Program) uint32 {
	t.Helper()
	info, err := p.Info()
	if err != nil {
		t.Fatal(err)
	}
	id, _ := info.ID()
	return uint32(id)
}

func ifindexOf(name string) (int, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return 0, err
	}
	return ifi.Index, nil
}

func TestAttachDetach(t *testing.T) {
	ns := newVethNS(t)
	p := loadTest(t, Options{})
	id := progID(t, p.objs.XsensorXdp)
	for _, mode := range []AttachMode{AttachDriver, AttachSKB, AttachAuto} {
		var l *Link
		err := inNetNS(ns, func() error {
			ifindex, err := ifindexOf("xs0")
			if err != nil {
				return err
			}
			if l, err = p.Attach(ifindex, mode); err != nil {
				return err
			}
			st, err := xdpQuery(ifindex)
			if err != nil {
				return err
			}
			got := st.Drv
			if l.Mode == AttachSKB {
				got = st.SKB
			}
			if got != id {
				return fmt.Errorf("netlink reports %+v, want program %d in %v mode", st, id, l.Mode)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		want := mode
		if mode == AttachAuto {
			want = AttachDriver // veth has native XDP
		}
		if l.Mode != want {
			t.Errorf("attached in %v mode, want %v", l.Mode, want)
		}
		if !linkShowsXDP(t, ns, "xs0") {
			t.Errorf("%v: ip link show lists no xdp program after Attach", mode)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if linkShowsXDP(t, ns, "xs0") {
			t.Errorf("%v: ip link show still lists an xdp program after Close", mode)
		}
	}

	// Program.Close detaches what is still attached.
	if err := inNetNS(ns, func() error {
		ifindex, err := ifindexOf("xs1")
		if err != nil {
			return err
		}
		_, err = p.Attach(ifindex, AttachDriver)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if linkShowsXDP(t, ns, "xs1") {
		t.Error("ip link show still lists an xdp program after Program.Close")
	}
}

// legacyAttach attaches prog to dev in ns without a bpf_link, as a
// process that died would have left it.
func legacyAttach(t testing.TB, ns, dev string, prog *ebpf.Program) {
	t.Helper()
	if err := inNetNS(ns, func() error {
		ifindex, err := ifindexOf(dev)
		if err != nil {
			return err
		}
		return xdpSetLegacy(ifindex, prog.FD(), unix.XDP_FLAGS_DRV_MODE, 0)
	}); err != nil {
		t.Fatal(err)
	}
}

func attachIn(ns, dev string, p *Program, mode AttachMode) (*Link, error) {
	var l *Link
	err := inNetNS(ns, func() error {
		ifindex, err := ifindexOf(dev)
		if err != nil {
			return err
		}
		l, err = p.Attach(ifindex, mode)
		return err
	})
	return l, err
}

func TestAttachReplacesStale(t *testing.T) {
	ns := newVethNS(t)
	old, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	oldID := progID(t, old.objs.XsensorXdp)
	legacyAttach(t, ns, "xs0", old.objs.XsensorXdp)
	old.Close() // the netlink attachment keeps the program alive: stale
	if !linkShowsXDP(t, ns, "xs0") {
		t.Fatal("stale program not attached")
	}

	p := loadTest(t, Options{})
	l, err := attachIn(ns, "xs0", p, AttachDriver)
	if err != nil {
		t.Fatalf("Attach over a stale program: %v", err)
	}
	if l.Replaced != oldID {
		t.Errorf("Replaced = %d, want %d", l.Replaced, oldID)
	}
	// A second xsensor must not take over a live one.
	other := loadTest(t, Options{})
	if _, err := attachIn(ns, "xs0", other, AttachDriver); !errors.Is(err, ErrBusy) {
		t.Errorf("Attach over a live xsensor: %v, want ErrBusy", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if linkShowsXDP(t, ns, "xs0") {
		t.Error("xdp program left after Close")
	}
}

func TestAttachRefusesForeign(t *testing.T) {
	ns := newVethNS(t)
	requirePrivileged(t)
	foreign, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name: "not_xsensor", Type: ebpf.XDP, License: "MIT",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, xdpPass), asm.Return()},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer foreign.Close()
	legacyAttach(t, ns, "xs0", foreign)
	p := loadTest(t, Options{})
	_, err = attachIn(ns, "xs0", p, AttachAuto)
	if !errors.Is(err, ErrForeignProgram) {
		t.Fatalf("Attach over a foreign program: %v, want ErrForeignProgram", err)
	}
	t.Logf("error: %v", err)
	if !linkShowsXDP(t, ns, "xs0") {
		t.Error("the foreign program was removed")
	}
}

// TestAttachAfterKill attaches from a child process, kills it with
// SIGKILL and attaches again: the bpf_link dies with its process.
func TestAttachAfterKill(t *testing.T) {
	ns := newVethNS(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAttachAndWait$")
	cmd.Env = append(os.Environ(), "XSENSOR_BPF_HELPER_NS="+ns)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			if strings.HasPrefix(s.Text(), "attached") {
				line <- s.Text()
				return
			}
		}
		close(line)
	}()
	select {
	case l, ok := <-line:
		if !ok {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("helper exited without attaching")
		}
		t.Logf("helper: %s", l)
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("helper did not attach in 20 s")
	}
	if !linkShowsXDP(t, ns, "xs0") {
		t.Error("helper's program not visible")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if linkShowsXDP(t, ns, "xs0") {
		t.Error("xdp program left behind by the killed process")
	}
	p := loadTest(t, Options{})
	l, err := attachIn(ns, "xs0", p, AttachDriver)
	if err != nil {
		t.Fatalf("Attach after kill -9: %v", err)
	}
	l.Close()
}

// TestHelperAttachAndWait is the child of TestAttachAfterKill.
func TestHelperAttachAndWait(t *testing.T) {
	ns := os.Getenv("XSENSOR_BPF_HELPER_NS")
	if ns == "" {
		t.Skip("helper process for TestAttachAfterKill")
	}
	p, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := attachIn(ns, "xs0", p, AttachDriver)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("attached ifindex %d mode %v\n", l.Ifindex, l.Mode)
	time.Sleep(time.Minute)
}
