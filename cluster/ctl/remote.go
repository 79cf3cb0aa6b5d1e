package ctl

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"xsensor/cluster/config"
)

// Remote reaches the nodes on other hosts through the system's ssh and
// scp clients: a verb for node NAME on HOST runs
//
//	ssh -o BatchMode=yes HOST /usr/bin/xsensor ctl -c /etc/xsensor/node.cfg --local --node NAME VERB
//
// ssh hands the command to the remote user's shell as one string, so
// every argument is shell-quoted here; nothing runs through a local
// shell. Authentication is ssh's business (keys, ssh-agent,
// ~/.ssh/config); BatchMode makes a missing key an error instead of a
// password prompt.
//
// A Remote is read-only once built and safe for concurrent use.
type Remote struct {
	SSH     string   // ssh client; default "ssh"
	SCP     string   // scp client; default "scp"
	SSHOpts []string // options for both, before the host; default -o BatchMode=yes
	Exe     string   // xsensor on the other hosts; default /usr/bin/xsensor
	NodeCfg string   // node.cfg on the other hosts; default /etc/xsensor/node.cfg
}

// Install locations on a sensor box (what the .deb installs).
const (
	DefaultExe     = "/usr/bin/xsensor"
	DefaultNodeCfg = "/etc/xsensor/node.cfg"
)

// DefaultRemote returns a Remote with the defaults.
func DefaultRemote() *Remote {
	return &Remote{SSH: "ssh", SCP: "scp", SSHOpts: []string{"-o", "BatchMode=yes"}, Exe: DefaultExe, NodeCfg: DefaultNodeCfg}
}

// CtlArgv returns the argv (ssh first) that runs
// `xsensor ctl -c NODECFG --local [--node NAME] ARGS…` on host.
func (r *Remote) CtlArgv(host, node string, args ...string) ([]string, error) {
	rc := []string{r.Exe, "ctl", "-c", r.NodeCfg, "--local"}
	if node != "" {
		rc = append(rc, "--node", node)
	}
	return r.SSHArgv(host, append(rc, args...)...)
}

// SSHArgv returns the argv (ssh first) that runs the command args on
// host, each argument quoted for the remote shell.
func (r *Remote) SSHArgv(host string, args ...string) ([]string, error) {
	if host == "" || strings.HasPrefix(host, "-") {
		return nil, fmt.Errorf("ssh: bad host %q", host)
	}
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = ShellQuote(a)
	}
	argv := append([]string{r.SSH}, r.SSHOpts...)
	return append(argv, host, strings.Join(q, " ")), nil
}

// SCPArgv returns the argv (scp first) that copies the local file src
// to path on host, keeping its mode.
func (r *Remote) SCPArgv(src, host, path string) ([]string, error) {
	if host == "" || strings.HasPrefix(host, "-") {
		return nil, fmt.Errorf("scp: bad host %q", host)
	}
	if strings.Contains(host, ":") { // IPv6 literal
		host = "[" + strings.Trim(host, "[]") + "]"
	}
	argv := append([]string{r.SCP, "-q", "-p"}, r.SSHOpts...)
	return append(argv, "--", src, host+":"+path), nil
}

// Run runs argv with stdout to out. Its stderr goes to errw when it
// succeeds; when it fails the error carries stderr's last line.
func Run(argv []string, out, errw io.Writer) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	var eb bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &eb
	err := cmd.Run()
	if err != nil {
		msg := strings.TrimSpace(eb.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("%s: %s", argv[0], msg)
	}
	errw.Write(eb.Bytes())
	return nil
}

// NodeVerb runs verb for node n on n's host through ssh; its output
// goes to o.Out.
func (r *Remote) NodeVerb(o *Options, n *config.Node, verb string, args ...string) error {
	argv, err := r.CtlArgv(n.Host, n.Name, append(args, verb)...)
	if err != nil {
		return fmt.Errorf("%s %s: %w", verb, n.Name, err)
	}
	if err := Run(argv, o.Out, o.Err); err != nil {
		return fmt.Errorf("%s %s on %s: %w", verb, n.Name, n.Host, err)
	}
	return nil
}

// ShellQuote quotes s for a POSIX shell; words of safe characters are
// left as they are.
func ShellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_-./:=@%+,", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
