//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package bpf

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// Errors Attach returns when the interface already has an XDP program it
// must not replace.
var (
	// ErrBusy: a running process holds an xsensor program on the
	// interface through a bpf_link.
	ErrBusy = errors.New("xdp program held by a running xsensor")
	// ErrForeignProgram: another tool's XDP program is on the interface.
	ErrForeignProgram = errors.New("interface has another xdp program")
)

// Link is the program attached to one interface through a bpf_link. The
// kernel removes the program when the link is closed, and also when the
// process dies, however it dies: the link lives only as long as its file
// descriptor.
//
// Concurrency: Close may be called from any goroutine, more than once.
type Link struct {
	// Ifindex is the interface the program is attached to.
	Ifindex int
	// Mode is the mode it was attached in: AttachDriver or AttachSKB.
	Mode AttachMode
	// Replaced is the id of a stale xsensor program that Attach removed
	// first, or 0.
	Replaced uint32
	// Fallback says why the modes tried before Mode were refused ("" when
	// the first mode worked).
	Fallback string

	prog *Program
	l    link.Link
	once sync.Once
	err  error
}

// Close detaches the program from the interface.
func (l *Link) Close() error {
	l.prog.mu.Lock()
	defer l.prog.mu.Unlock()
	for i, x := range l.prog.links {
		if x == l {
			l.prog.links = append(l.prog.links[:i], l.prog.links[i+1:]...)
			break
		}
	}
	return l.close()
}

func (l *Link) close() error {
	l.once.Do(func() {
		if err := l.l.Close(); err != nil {
			l.err = fmt.Errorf("detach xdp from %s: %w", ifName(l.Ifindex), err)
		}
	})
	return l.err
}

// Attach attaches the program to the interface ifindex. AttachAuto tries
// driver mode, then skb mode; the error names the reason of each failure.
//
// A stale xsensor program — one attached without a bpf_link, e.g. by an
// older build or `ip link set dev X xdp obj …`, left behind when its
// process died — is found through rtnetlink and replaced. A program held
// by a live bpf_link is never taken over: if it is xsensor's, ErrBusy,
// else ErrForeignProgram. (xsensor itself always attaches with a
// bpf_link, which the kernel releases when the process dies, even by
// kill -9, so its own crashes leave nothing behind.)
func (p *Program) Attach(ifindex int, mode AttachMode) (*Link, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("attach xdp to %s: program closed", ifName(ifindex))
	}
	var tries []AttachMode
	switch mode {
	case AttachAuto:
		tries = []AttachMode{AttachDriver, AttachSKB}
	case AttachDriver, AttachSKB:
		tries = []AttachMode{mode}
	default:
		return nil, fmt.Errorf("attach xdp to %s: %w: mode %v", ifName(ifindex), ErrInvalidOptions, mode)
	}
	replaced, err := removeStale(ifindex)
	if err != nil {
		return nil, err
	}
	var reasons []string
	for _, m := range tries {
		flags := link.XDPDriverMode
		if m == AttachSKB {
			flags = link.XDPGenericMode
		}
		l, err := link.AttachXDP(link.XDPOptions{Program: p.objs.XsensorXdp, Interface: ifindex, Flags: flags})
		if err == nil {
			x := &Link{Ifindex: ifindex, Mode: m, Replaced: replaced, Fallback: strings.Join(reasons, "; "), prog: p, l: l}
			p.links = append(p.links, x)
			return x, nil
		}
		reasons = append(reasons, fmt.Sprintf("%s mode: %v", m, err))
	}
	hint := ""
	if mode != AttachSKB {
		hint = " (try skb mode where the driver has no native XDP)"
	}
	return nil, fmt.Errorf("attach xdp to %s: %s%s", ifName(ifindex), strings.Join(reasons, "; "), hint)
}

// ifName names an interface for messages.
func ifName(ifindex int) string {
	if ifi, err := net.InterfaceByIndex(ifindex); err == nil {
		return fmt.Sprintf("%s (ifindex %d)", ifi.Name, ifindex)
	}
	return fmt.Sprintf("ifindex %d", ifindex)
}

// removeStale removes a legacy-attached xsensor program from ifindex and
// returns its id (0 if there was none); see Attach.
func removeStale(ifindex int) (uint32, error) {
	st, err := xdpQuery(ifindex)
	if err != nil {
		return 0, fmt.Errorf("attach xdp to %s: %w", ifName(ifindex), err)
	}
	var replaced uint32
	for _, a := range []struct {
		id   uint32
		flag uint32
	}{{st.Drv, unix.XDP_FLAGS_DRV_MODE}, {st.SKB, unix.XDP_FLAGS_SKB_MODE}, {st.HW, unix.XDP_FLAGS_HW_MODE}} {
		if a.id == 0 {
			continue
		}
		old, err := ebpf.NewProgramFromID(ebpf.ProgramID(a.id))
		if err != nil {
			return 0, fmt.Errorf("attach xdp to %s: inspect attached program %d: %w", ifName(ifindex), a.id, err)
		}
		name := ""
		if info, err := old.Info(); err == nil {
			name = info.Name
		}
		viaLink, err := heldByLink(ifindex, a.id)
		if err != nil {
			old.Close()
			return 0, fmt.Errorf("attach xdp to %s: %w", ifName(ifindex), err)
		}
		switch {
		case viaLink && name == progName:
			old.Close()
			return 0, fmt.Errorf("attach xdp to %s: %w (program %d); stop the other xsensor first",
				ifName(ifindex), ErrBusy, a.id)
		case name != progName:
			old.Close()
			hint := ""
			if !viaLink {
				hint = "; remove it with `ip link set dev IFACE xdp off`"
			}
			return 0, fmt.Errorf("attach xdp to %s: %w: program %d %q%s",
				ifName(ifindex), ErrForeignProgram, a.id, name, hint)
		}
		err = xdpSetLegacy(ifindex, -1, a.flag|unix.XDP_FLAGS_REPLACE, old.FD())
		old.Close()
		if err != nil {
			return 0, fmt.Errorf("attach xdp to %s: remove stale xsensor program %d: %w", ifName(ifindex), a.id, err)
		}
		replaced = a.id
	}
	return replaced, nil
}

// heldByLink reports whether program id is attached to ifindex through a
// bpf_link.
func heldByLink(ifindex int, id uint32) (bool, error) {
	it := new(link.Iterator)
	defer it.Close()
	for it.Next() {
		info, err := it.Link.Info()
		if err != nil || info.Type != link.XDPType {
			continue
		}
		if x := info.XDP(); x != nil && int(x.Ifindex) == ifindex && uint32(info.Program) == id {
			return true, nil
		}
	}
	if err := it.Err(); err != nil {
		return false, fmt.Errorf("list bpf links: %w", err)
	}
	return false, nil
}

// Attached reports whether any XDP program (driver, skb or offloaded) is
// attached to the interface, as `ip link show` would list it.
func Attached(ifindex int) (bool, error) {
	st, err := xdpQuery(ifindex)
	if err != nil {
		return false, err
	}
	return st.Drv != 0 || st.SKB != 0 || st.HW != 0, nil
}
