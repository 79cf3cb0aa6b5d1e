//go:build linux

package bpf

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// A minimal rtnetlink client for the two XDP operations cilium/ebpf's
// link package does not offer: reading which programs an interface has
// (RTM_GETLINK, IFLA_XDP) and removing a program attached the legacy way,
// without a bpf_link (RTM_SETLINK, IFLA_XDP_FD = -1). The socket is opened
// in the calling thread's network namespace.

// xdpState is the IFLA_XDP nest of one interface: the id of the program
// attached in each mode, 0 for none.
type xdpState struct {
	Drv, SKB, HW uint32
}

var nlSeq atomic.Uint32

// nlAttr appends a netlink attribute (header, payload, padding).
func nlAttr(b []byte, typ uint16, payload []byte) []byte {
	l := 4 + len(payload)
	b = binary.NativeEndian.AppendUint16(b, uint16(l))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// ifInfo returns a struct ifinfomsg for ifindex.
func ifInfo(ifindex int) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	b[0] = unix.AF_UNSPEC
	binary.NativeEndian.PutUint32(b[4:], uint32(int32(ifindex)))
	return b
}

// nlDo sends one request and returns the reply messages up to the ack
// or the end of the reply.
func nlDo(typ uint16, flags uint16, payload []byte) ([]syscall.NetlinkMessage, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, os.NewSyscallError("socket netlink", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, os.NewSyscallError("bind netlink", err)
	}
	seq := nlSeq.Add(1)
	msg := make([]byte, unix.NLMSG_HDRLEN, unix.NLMSG_HDRLEN+len(payload))
	msg = append(msg, payload...)
	binary.NativeEndian.PutUint32(msg[0:], uint32(len(msg)))
	binary.NativeEndian.PutUint16(msg[4:], typ)
	binary.NativeEndian.PutUint16(msg[6:], flags|unix.NLM_F_REQUEST)
	binary.NativeEndian.PutUint32(msg[8:], seq)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, os.NewSyscallError("send netlink", err)
	}
	var out []syscall.NetlinkMessage
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return nil, os.NewSyscallError("recv netlink", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, fmt.Errorf("parse netlink reply: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Seq != seq {
				continue
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return out, nil
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return nil, fmt.Errorf("short netlink error message")
				}
				if errno := int32(binary.NativeEndian.Uint32(m.Data)); errno != 0 {
					return nil, unix.Errno(-errno)
				}
				return out, nil // ack
			}
			out = append(out, m)
			if m.Header.Flags&unix.NLM_F_MULTI == 0 && flags&unix.NLM_F_ACK == 0 {
				return out, nil
			}
		}
	}
}

// xdpQuery reads the XDP programs attached to ifindex.
func xdpQuery(ifindex int) (xdpState, error) {
	var st xdpState
	msgs, err := nlDo(unix.RTM_GETLINK, 0, ifInfo(ifindex))
	if err != nil {
		return st, fmt.Errorf("rtnetlink get link %d: %w", ifindex, err)
	}
	for _, m := range msgs {
		if m.Header.Type != unix.RTM_NEWLINK {
			continue
		}
		attrs, err := syscall.ParseNetlinkRouteAttr(&m)
		if err != nil {
			return st, fmt.Errorf("rtnetlink get link %d: %w", ifindex, err)
		}
		for _, a := range attrs {
			if a.Attr.Type&^unix.NLA_F_NESTED != unix.IFLA_XDP {
				continue
			}
			for b := a.Value; len(b) >= 4; {
				l := int(binary.NativeEndian.Uint16(b))
				typ := binary.NativeEndian.Uint16(b[2:]) &^ unix.NLA_F_NESTED
				if l < 4 || l > len(b) {
					break
				}
				var v uint32
				if l >= 8 {
					v = binary.NativeEndian.Uint32(b[4:])
				}
				switch typ {
				case unix.IFLA_XDP_DRV_PROG_ID:
					st.Drv = v
				case unix.IFLA_XDP_SKB_PROG_ID:
					st.SKB = v
				case unix.IFLA_XDP_HW_PROG_ID:
					st.HW = v
				}
				adv := (l + 3) &^ 3
				if adv > len(b) {
					break
				}
				b = b[adv:]
			}
		}
	}
	return st, nil
}

// xdpSetLegacy attaches the program fd (or, with fd -1, detaches) on
// ifindex without a bpf_link. flags is one XDP_FLAGS_*_MODE, optionally
// with XDP_FLAGS_REPLACE and expectedFD, so that only that program is
// replaced.
func xdpSetLegacy(ifindex, fd int, flags uint32, expectedFD int) error {
	var nest []byte
	nest = nlAttr(nest, unix.IFLA_XDP_FD, binary.NativeEndian.AppendUint32(nil, uint32(int32(fd))))
	nest = nlAttr(nest, unix.IFLA_XDP_FLAGS, binary.NativeEndian.AppendUint32(nil, flags))
	if flags&unix.XDP_FLAGS_REPLACE != 0 {
		nest = nlAttr(nest, unix.IFLA_XDP_EXPECTED_FD, binary.NativeEndian.AppendUint32(nil, uint32(int32(expectedFD))))
	}
	payload := nlAttr(ifInfo(ifindex), unix.IFLA_XDP|unix.NLA_F_NESTED, nest)
	if _, err := nlDo(unix.RTM_SETLINK, unix.NLM_F_ACK, payload); err != nil {
		return fmt.Errorf("rtnetlink set xdp on link %d: %w", ifindex, err)
	}
	return nil
}
