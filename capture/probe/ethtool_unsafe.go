//go:build linux

package probe

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ifreqData is struct ifreq with its union holding a pointer (ifr_data),
// padded to the kernel's 40 bytes.
type ifreqData struct {
	name [unix.IFNAMSIZ]byte
	data unsafe.Pointer
	_    [16]byte
}

// ethtoolValue is struct ethtool_value.
type ethtoolValue struct {
	cmd  uint32
	data uint32
}

// ethtoolChannels is struct ethtool_channels.
type ethtoolChannels struct {
	cmd                                         uint32
	maxRx, maxTx, maxOther, maxCombined         uint32
	rxCount, txCount, otherCount, combinedCount uint32
}

// ethtool issues SIOCETHTOOL on an AF_INET datagram socket; p points to
// the command's struct, whose first word is the command.
func ethtool(name string, p unsafe.Pointer) error {
	if len(name) >= unix.IFNAMSIZ {
		return fmt.Errorf("interface name %q too long", name)
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	var ifr ifreqData
	copy(ifr.name[:], name)
	ifr.data = p
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr))); e != 0 {
		return e
	}
	return nil
}

// ethtoolGetValue runs a legacy ETHTOOL_G* command returning one word.
func ethtoolGetValue(name string, cmd uint32) (uint32, error) {
	v := ethtoolValue{cmd: cmd}
	if err := ethtool(name, unsafe.Pointer(&v)); err != nil {
		return 0, err
	}
	return v.data, nil
}

// ethtoolGetChannels runs ETHTOOL_GCHANNELS.
func ethtoolGetChannels(name string) (ethtoolChannels, error) {
	c := ethtoolChannels{cmd: unix.ETHTOOL_GCHANNELS}
	err := ethtool(name, unsafe.Pointer(&c))
	return c, err
}
