package topology

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Options describe a veth pair with one end in a fresh namespace.
type Options struct {
	// Prefix names the links and namespace; a random suffix keeps
	// parallel tests apart. Interface names are at most 15 bytes.
	Prefix string
	// Queues is the number of RX/TX queues of each veth end (1 or more).
	Queues int
	// MTU of both ends; 0 keeps the default.
	MTU int
	// Quiet disables IPv6 on both ends, so that the kernel sends no
	// router or neighbour solicitations of its own: the only traffic is
	// what the test sends.
	Quiet bool
}

// Topology is a veth pair: Sensor in the caller's namespace, Peer inside
// namespace NS.
type Topology struct {
	NS     string
	Sensor string
	Peer   string
}

// ErrNotRoot is returned when the caller lacks the privilege to build
// namespaces and links.
var ErrNotRoot = errors.New("building network namespaces needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN)")

// New creates the namespace and the veth pair, both ends up.
func New(o Options) (*Topology, error) {
	if os.Geteuid() != 0 {
		return nil, ErrNotRoot
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, fmt.Errorf("ip(8) not found: install iproute2: %w", err)
	}
	if o.Prefix == "" {
		o.Prefix = "xs"
	}
	if o.Queues <= 0 {
		o.Queues = 1
	}
	var rnd [3]byte
	rand.Read(rnd[:])
	id := hex.EncodeToString(rnd[:])
	p := o.Prefix
	if len(p) > 6 {
		p = p[:6]
	}
	t := &Topology{NS: "xsensor-" + p + id, Sensor: p + id + "s", Peer: p + id + "p"}
	steps := [][]string{
		{"netns", "add", t.NS},
		{"link", "add", t.Sensor, "numtxqueues", itoa(o.Queues), "numrxqueues", itoa(o.Queues), "type", "veth",
			"peer", "name", t.Peer, "numtxqueues", itoa(o.Queues), "numrxqueues", itoa(o.Queues)},
		{"link", "set", t.Peer, "netns", t.NS},
	}
	if o.MTU > 0 {
		steps = append(steps, []string{"link", "set", t.Sensor, "mtu", itoa(o.MTU)},
			[]string{"-n", t.NS, "link", "set", t.Peer, "mtu", itoa(o.MTU)})
	}
	steps = append(steps,
		[]string{"link", "set", t.Sensor, "up"},
		[]string{"-n", t.NS, "link", "set", t.Peer, "up"},
		[]string{"-n", t.NS, "link", "set", "lo", "up"},
	)
	for i, s := range steps {
		if err := ip(s...); err != nil {
			t.Close()
			return nil, err
		}
		if i == 2 && o.Quiet { // both ends exist, neither is up yet
			for _, c := range [][]string{
				{"sysctl", "-qw", "net.ipv6.conf." + t.Sensor + ".disable_ipv6=1"},
				{"ip", "netns", "exec", t.NS, "sysctl", "-qw", "net.ipv6.conf." + t.Peer + ".disable_ipv6=1"},
			} {
				if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
					t.Close()
					return nil, fmt.Errorf("%s: %v: %s", strings.Join(c, " "), err, out)
				}
			}
		}
	}
	return t, nil
}

// Exec runs a command inside the namespace and returns its combined output.
func (t *Topology) Exec(name string, args ...string) ([]byte, error) {
	a := append([]string{"netns", "exec", t.NS, name}, args...)
	return exec.Command("ip", a...).CombinedOutput()
}

// Close removes the pair (deleting one end deletes both) and the namespace.
func (t *Topology) Close() error {
	_ = ip("link", "del", t.Sensor)
	return ip("netns", "del", t.NS)
}

func ip(args ...string) error {
	var stderr bytes.Buffer
	cmd := exec.Command("ip", args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func itoa(n int) string { return fmt.Sprint(n) }
