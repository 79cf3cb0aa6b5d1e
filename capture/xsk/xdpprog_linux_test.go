package xsk

import (
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
)

const xdpPass = 2

// attachRedirect loads a tiny XDP program that redirects every packet to
// an XSKMAP slot and attaches it in driver mode to ifindex (call inside
// the interface's namespace). slotByte < 0 picks slot = rx_queue_index;
// otherwise slot = packet[slotByte] & slotMask, and packets too short to
// have that byte pass to the stack. Redirect failures (empty slot) pass.
func attachRedirect(t testing.TB, ifindex int, fds []int, slotByte int16, slotMask int32) {
	t.Helper()
	m, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.XSKMap, KeySize: 4, ValueSize: 4, MaxEntries: uint32(len(fds))})
	if err != nil {
		t.Fatalf("create xskmap: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	for i, fd := range fds {
		if err := m.Put(uint32(i), uint32(fd)); err != nil {
			t.Fatalf("xskmap slot %d: %v", i, err)
		}
	}
	var insns asm.Instructions
	if slotByte < 0 {
		insns = append(insns, asm.LoadMem(asm.R2, asm.R1, 16, asm.Word)) // ctx->rx_queue_index
	} else {
		insns = append(insns,
			asm.LoadMem(asm.R2, asm.R1, 0, asm.Word), // ctx->data
			asm.LoadMem(asm.R3, asm.R1, 4, asm.Word), // ctx->data_end
			asm.Mov.Reg(asm.R4, asm.R2),
			asm.Add.Imm(asm.R4, int32(slotByte)+1),
			asm.JGT.Reg(asm.R4, asm.R3, "pass"),
			asm.LoadMem(asm.R2, asm.R2, slotByte, asm.Byte),
			asm.And.Imm(asm.R2, slotMask),
		)
	}
	insns = append(insns,
		asm.LoadMapPtr(asm.R1, m.FD()),
		asm.Mov.Imm(asm.R3, xdpPass), // action when the slot is empty
		asm.FnRedirectMap.Call(),
		asm.Return(),
	)
	if slotByte >= 0 {
		insns = append(insns, asm.Mov.Imm(asm.R0, xdpPass).WithSymbol("pass"), asm.Return())
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.XDP, License: "GPL", Instructions: insns})
	if err != nil {
		t.Fatalf("load xdp program: %v", err)
	}
	t.Cleanup(func() { prog.Close() })
	l, err := link.AttachXDP(link.XDPOptions{Program: prog, Interface: ifindex, Flags: link.XDPDriverMode})
	if err != nil {
		t.Fatalf("attach xdp (driver mode) to ifindex %d: %v", ifindex, err)
	}
	t.Cleanup(func() { l.Close() })
}
