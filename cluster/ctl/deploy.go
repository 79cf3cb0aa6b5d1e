package ctl

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"xsensor/cluster/config"
)

// DeployOptions say where deploy installs on this host.
type DeployOptions struct {
	// StageDir, when set, is the root the local install goes under
	// (StageDir/usr/bin/xsensor, StageDir/etc/xsensor/…) instead of /;
	// the local nodes are then restarted from there.
	StageDir string
}

// Deploy installs the xsensor binary (o.Exe) and the configuration
// (node.cfg, xsensor.cfg beside it, and SecretFile when set) on every
// host of the cluster, then restarts the nodes: all stopped in reverse
// order, then started in order.
//
// Other hosts get the files through scp at o.Remote's Exe and NodeCfg
// (each copied to PATH.new, then renamed over PATH by one ssh command,
// so a running binary is never overwritten in place); SecretFile goes to
// the same path it has here, mode 0600. This host gets the same paths
// under d.StageDir, each written to a temporary file and renamed.
//
// Deploy assumes o.Cluster was loaded from o.NodeCfg and is valid
// (the check verb); each other host then checks its copy (ctl --local
// check) before anything is restarted.
func Deploy(o Options, d DeployOptions) error {
	if err := o.defaults(); err != nil {
		return err
	}
	c := o.Cluster
	xcfg := c.Options.File
	hosts := map[string]bool{}
	localNodes := false
	for _, n := range o.targets() {
		if o.isLocal(n) {
			localNodes = true
		} else {
			hosts[n.Host] = true
		}
	}
	var files []installFile
	files = append(files, installFile{o.Exe, o.Remote.Exe, 0o755})
	files = append(files, installFile{o.NodeCfg, o.Remote.NodeCfg, 0o644})
	if xcfg != "" {
		files = append(files, installFile{xcfg, filepath.Join(filepath.Dir(o.Remote.NodeCfg), config.XsensorCfgName), 0o644})
	}
	if c.Options.SecretFile != "" {
		files = append(files, installFile{c.Options.SecretFile, c.Options.SecretFile, 0o600})
	}
	if localNodes {
		var err error
		if o.Exe, o.NodeCfg, err = installLocal(o.Out, files, d.StageDir); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(hosts))
	for h := range hosts {
		names = append(names, h)
	}
	sort.Strings(names)
	for _, h := range names {
		if err := installRemote(&o, h, files); err != nil {
			return err
		}
	}
	return Restart(o)
}

type installFile struct {
	src, dst string
	mode     os.FileMode
}

// installLocal copies files under stage (or / when it is empty) and
// returns the installed binary and node.cfg.
func installLocal(out io.Writer, files []installFile, stage string) (exe, nodeCfg string, err error) {
	for i, f := range files {
		dst := f.dst
		if stage != "" {
			dst = filepath.Join(stage, dst)
		}
		switch i {
		case 0:
			exe = dst
		case 1:
			nodeCfg = dst
		}
		if same(f.src, dst) {
			continue
		}
		if err := copyFile(f.src, dst, f.mode); err != nil {
			return "", "", fmt.Errorf("deploy: install %s: %w", dst, err)
		}
		fmt.Fprintf(out, "localhost: installed %s\n", dst)
	}
	return exe, nodeCfg, nil
}

func same(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// copyFile writes src to dst through a temporary file and a rename.
func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// installRemote copies files to host and checks the configuration there.
func installRemote(o *Options, host string, files []installFile) error {
	r := o.Remote
	mk := []string{"mkdir", "-p"}
	for _, f := range files {
		mk = append(mk, filepath.Dir(f.dst))
	}
	if err := runRemote(o, host, mk...); err != nil {
		return err
	}
	var mv []string
	for _, f := range files {
		argv, err := r.SCPArgv(f.src, host, f.dst+".new")
		if err != nil {
			return fmt.Errorf("deploy %s: %w", host, err)
		}
		if err := Run(argv, io.Discard, o.Err); err != nil {
			return fmt.Errorf("deploy %s: copy %s: %w", host, f.src, err)
		}
		if len(mv) > 0 {
			mv = append(mv, "&&")
		}
		mv = append(mv, "chmod", fmt.Sprintf("%o", f.mode), f.dst+".new", "&&", "mv", "-f", f.dst+".new", f.dst)
	}
	// One shell command on the remote; "&&" must reach the remote shell
	// unquoted, so the words are quoted one by one here.
	argv, err := r.SSHArgv(host)
	if err != nil {
		return fmt.Errorf("deploy %s: %w", host, err)
	}
	argv = argv[:len(argv)-1]
	var cmd string
	for i, w := range mv {
		if i > 0 {
			cmd += " "
		}
		if w == "&&" {
			cmd += w
		} else {
			cmd += ShellQuote(w)
		}
	}
	if err := Run(append(argv, cmd), io.Discard, o.Err); err != nil {
		return fmt.Errorf("deploy %s: install: %w", host, err)
	}
	for _, f := range files {
		fmt.Fprintf(o.Out, "%s: installed %s\n", host, f.dst)
	}
	for _, n := range o.targets() {
		if n.Host != host || o.isLocal(n) {
			continue
		}
		if err := r.NodeVerb(o, n, "check"); err != nil {
			return fmt.Errorf("deploy: %w", err)
		}
	}
	return nil
}

func runRemote(o *Options, host string, args ...string) error {
	argv, err := o.Remote.SSHArgv(host, args...)
	if err != nil {
		return fmt.Errorf("deploy %s: %w", host, err)
	}
	if err := Run(argv, io.Discard, o.Err); err != nil {
		return fmt.Errorf("deploy %s: %w", host, err)
	}
	return nil
}
