package dist

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"xsensor/cluster/config"
)

// requireTool skips without cmd, unless CI=true makes that a failure.
func requireTool(t *testing.T, cmd, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(cmd)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found: CI must install package %s", cmd, pkg)
	}
	t.Skipf("skipped: %s not found (apt-get install %s); with CI=true this fails", cmd, pkg)
	return ""
}

func repoRoot(t *testing.T) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// Where every file of the package belongs, with its mode.
var installed = map[string]os.FileMode{
	"usr/bin/xsensor":                            0o755,
	"lib/systemd/system/xsensor.target":          0o644,
	"lib/systemd/system/xsensor-loggers.target":  0o644,
	"lib/systemd/system/xsensor-proxies.target":  0o644,
	"lib/systemd/system/xsensor-manager.service": 0o644,
	"lib/systemd/system/xsensor-logger@.service": 0o644,
	"lib/systemd/system/xsensor-proxy@.service":  0o644,
	"lib/systemd/system/xsensor-worker@.service": 0o644,
	"etc/xsensor/node.cfg":                       0o644,
	"etc/xsensor/xsensor.cfg":                    0o644,
	"etc/default/xsensor":                        0o644,
}

// TestDist runs `make dist` into a temporary directory and checks its
// output: a static binary reporting its commit and build date; a .deb
// listing the binary, units and config, with the config as conffiles; a
// tarball with the same tree; and an install of the .deb into a scratch
// root that puts every file where it belongs and enables the units of the
// default node.cfg.
func TestDist(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short: builds the release binary")
	}
	requireTool(t, "dpkg-deb", "dpkg")
	requireTool(t, "make", "make")
	gotool, err := exec.LookPath("go")
	if err != nil {
		gotool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	root := repoRoot(t)
	statSources(t, root)
	out := t.TempDir()
	lines := run(t, nil, "make", "-s", "-C", root, "dist", "DISTDIR="+out, "GO="+gotool)
	var deb, tgz string
	for _, l := range strings.Split(strings.TrimSpace(lines), "\n") {
		switch {
		case strings.HasSuffix(l, ".deb"):
			deb = l
		case strings.HasSuffix(l, ".tar.gz"):
			tgz = l
		}
	}
	if deb == "" || tgz == "" {
		t.Fatalf("make dist named no .deb or .tar.gz:\n%s", lines)
	}
	bin := filepath.Join(out, "xsensor")

	t.Run("static", func(t *testing.T) {
		requireTool(t, "file", "file")
		if f := run(t, nil, "file", "-L", bin); !strings.Contains(f, "statically linked") {
			t.Errorf("not a static binary: %s", f)
		}
	})
	t.Run("version", func(t *testing.T) { checkVersion(t, bin) })

	t.Run("deb-contents", func(t *testing.T) {
		list := run(t, nil, "dpkg-deb", "-c", deb)
		for p := range installed {
			if !strings.Contains(list, " ./"+p+"\n") {
				t.Errorf("dpkg-deb -c lacks ./%s:\n%s", p, list)
			}
		}
		fields := run(t, nil, "dpkg-deb", "-f", deb, "Package", "Version", "Architecture")
		if !strings.Contains(fields, "Package: xsensor") || !strings.Contains(fields, "Architecture: "+runtime.GOARCH) {
			t.Errorf("control fields:\n%s", fields)
		}
		conf := run(t, nil, "dpkg-deb", "-I", deb, "conffiles")
		for _, c := range []string{"/etc/xsensor/node.cfg", "/etc/xsensor/xsensor.cfg", "/etc/default/xsensor"} {
			if !strings.Contains(conf, c) {
				t.Errorf("conffiles lack %s:\n%s", c, conf)
			}
		}
	})

	t.Run("tarball", func(t *testing.T) {
		list := run(t, nil, "tar", "-tzf", tgz)
		prefix := strings.TrimSuffix(filepath.Base(tgz), ".tar.gz") + "/"
		for p := range installed {
			if !strings.Contains(list, prefix+p+"\n") {
				t.Errorf("tarball lacks %s%s", prefix, p)
			}
		}
	})

	t.Run("install", func(t *testing.T) { checkInstall(t, deb) })
}

// statSources stats every file `make dist` reads, so that go test's
// cache (which knows only what this process opens, not what make does)
// is invalidated when any of them changes.
func statSources(t *testing.T, root string) {
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch p {
			case filepath.Join(root, ".git"), filepath.Join(root, "dist"), filepath.Join(root, "bin"), filepath.Join(root, "logs"):
				return filepath.SkipDir
			}
			return nil
		}
		_, err = os.Stat(p)
		return err
	})
	if err != nil {
		t.Fatalf("stat sources: %v", err)
	}
	// The commit the binary reports.
	if ref, err := os.ReadFile(filepath.Join(root, ".git", "HEAD")); err == nil {
		if r, ok := strings.CutPrefix(strings.TrimSpace(string(ref)), "ref: "); ok {
			os.Stat(filepath.Join(root, ".git", r))
		}
	}
}

var versionRE = regexp.MustCompile(`^xsensor ([0-9a-f]{7,}|unknown) \(built (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\)\n$`)

func checkVersion(t *testing.T, bin string) {
	v := run(t, nil, bin, "version")
	m := versionRE.FindStringSubmatch(v)
	if m == nil {
		t.Fatalf("xsensor version = %q, want commit and build date", v)
	}
	if head, err := exec.Command("git", "-C", repoRoot(t), "rev-parse", "--short", "HEAD").Output(); err == nil {
		if want := strings.TrimSpace(string(head)); m[1] != want {
			t.Errorf("version reports commit %s, HEAD is %s", m[1], want)
		}
	}
}

// checkInstall installs the .deb into a scratch root: with dpkg --root
// when running as root (dpkg must chown), else by unpacking it and running
// its postinst the way dpkg would with DPKG_ROOT set.
func checkInstall(t *testing.T, deb string) {
	dir := t.TempDir()
	byDpkg := os.Geteuid() == 0
	if byDpkg {
		for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"} {
			os.MkdirAll(filepath.Join(dir, d), 0o755)
		}
		for _, f := range []string{"var/lib/dpkg/status", "var/lib/dpkg/available"} {
			os.WriteFile(filepath.Join(dir, f), nil, 0o644)
		}
		out := run(t, nil, "dpkg", "--root="+dir, "--force-script-chrootless", "--force-not-root", "-i", deb)
		t.Logf("dpkg -i:\n%s", out)
		if st := run(t, nil, "dpkg", "--root="+dir, "-s", "xsensor"); !strings.Contains(st, "Status: install ok installed") {
			t.Errorf("dpkg -s:\n%s", st)
		}
	} else {
		t.Log("not root: unpacking with dpkg-deb -x and running postinst with DPKG_ROOT")
		run(t, nil, "dpkg-deb", "-x", deb, dir)
		ctrl := t.TempDir()
		run(t, nil, "dpkg-deb", "-e", deb, ctrl)
		run(t, []string{"DPKG_ROOT=" + dir}, "sh", filepath.Join(ctrl, "postinst"), "configure", "")
	}
	for p, mode := range installed {
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Errorf("not installed: /%s: %v", p, err)
			continue
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("/%s mode %v, want %v", p, fi.Mode().Perm(), mode)
		}
	}
	checkVersion(t, filepath.Join(dir, "usr/bin/xsensor"))

	// Every enabled unit is linked where systemd looks for it, and names
	// a node of the shipped node.cfg with the unit's role.
	cl, err := config.LoadFiles(filepath.Join(dir, "etc/xsensor/node.cfg"), "")
	if err != nil {
		t.Fatalf("shipped config does not load: %v", err)
	}
	wants := filepath.Join(dir, "etc/systemd/system/xsensor.target.wants")
	if l, err := os.Readlink(filepath.Join(dir, "etc/systemd/system/multi-user.target.wants/xsensor.target")); err != nil || l != "/lib/systemd/system/xsensor.target" {
		t.Errorf("xsensor.target not enabled: %q %v", l, err)
	}
	ents, err := os.ReadDir(wants)
	if err != nil {
		t.Fatalf("no units enabled: %v", err)
	}
	roles := map[string]config.Role{}
	for _, e := range ents {
		l, err := os.Readlink(filepath.Join(wants, e.Name()))
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, l)); err != nil {
			t.Errorf("%s links to missing %s", e.Name(), l)
		}
		unit := strings.TrimSuffix(e.Name(), ".service")
		node := "manager"
		if prefix, inst, ok := strings.Cut(unit, "@"); ok {
			node = inst
			unit = prefix
		}
		n, ok := cl.Node(node)
		if !ok {
			t.Errorf("enabled %s for node %q, which node.cfg lacks", e.Name(), node)
			continue
		}
		if want := "xsensor-" + n.Role.String(); unit != want {
			t.Errorf("node %s (%s) runs under %s, want %s", node, n.Role, unit, want)
		}
		roles[n.Role.String()] = n.Role
	}
	if len(roles) != 4 || len(ents) != len(cl.Nodes) {
		t.Errorf("enabled %d units over roles %v for %d nodes", len(ents), roles, len(cl.Nodes))
	}
	checkUnits(t, dir)

	if byDpkg {
		run(t, nil, "dpkg", "--root="+dir, "--force-script-chrootless", "--force-not-root", "--purge", "xsensor")
		for p := range installed {
			if _, err := os.Lstat(filepath.Join(dir, p)); err == nil {
				t.Errorf("/%s left after purge", p)
			}
		}
		if _, err := os.Lstat(wants); err == nil {
			t.Error("enablement links left after purge")
		}
	}
}

// checkUnits runs systemd-analyze verify over the installed units, with
// the host's standard targets copied in, and fails on ordering cycles or
// unknown settings. It is skipped where systemd is not installed.
func checkUnits(t *testing.T, dir string) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze missing: units not verified")
		return
	}
	sys := filepath.Join(dir, "lib/systemd/system")
	for _, tg := range []string{"sysinit", "basic", "multi-user", "network-online", "network", "shutdown", "sockets", "timers", "paths", "slices", "local-fs", "swap"} {
		b, err := os.ReadFile("/lib/systemd/system/" + tg + ".target")
		if err != nil {
			t.Logf("host lacks %s.target: units not verified", tg)
			return
		}
		os.WriteFile(filepath.Join(sys, tg+".target"), b, 0o644)
	}
	units := []string{"xsensor.target", "xsensor-manager.service", "xsensor-logger@logger-1.service", "xsensor-proxy@proxy-1.service", "xsensor-worker@worker-1.service"}
	args := []string{"verify", "--root=" + dir}
	for _, u := range units {
		args = append(args, filepath.Join(sys, u))
	}
	cmd := exec.Command(sa, args...)
	out, _ := cmd.CombinedOutput()
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if strings.Contains(l, "cycle") || strings.Contains(l, "Unknown") || strings.Contains(l, "bad-setting") || strings.Contains(l, "Failed to") {
			t.Errorf("systemd-analyze verify: %s", l)
		}
	}
}
