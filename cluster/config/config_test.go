package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xsensor/analyzer/zeeklog"
)

// zeekNodeCfg has the shape of zeekctl's shipped example, filled in the
// way Zeek users do, with keys xsensor keeps but does not use.
const zeekNodeCfg = `# Example ZeekControl node configuration.
#
# This example has a standalone node ready to go except for possibly changing
# the sniffing interface.

## Below is an example clustered configuration.

[logger]
type=logger
host=localhost

[manager]
type=manager
host=localhost
pin_cpus=0

[proxy-1]
type=proxy
host=localhost

[worker-1]
type=worker
host=localhost
interface=eth0
lb_method=pf_ring
lb_procs=2
pin_cpus=2,3
env_vars=fanout_id=93, PCAP_BUFFER=64
af_packet_fanout_id=21
aux_scripts=local-worker.zeek

[worker-2]
type = worker
host: localhost
interface=af_packet::eth1
lb_method=custom
lb_procs=4
af_packet.buffer_size=128*1024*1024
pin_cpus=4,5,6,7

[worker-3]
type=worker
host=127.0.0.1
interface=pcap::/data/trace.pcap
`

func parse(t *testing.T, node, x string) (*Cluster, error) {
	t.Helper()
	xf := ""
	if x != "" {
		xf = "/etc/xsensor/xsensor.cfg"
	}
	return Parse("/etc/xsensor/node.cfg", []byte(node), xf, []byte(x), LoadOptions{NumCPU: 8})
}

func TestZeekNodeCfg(t *testing.T) {
	c, err := parse(t, zeekNodeCfg, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Nodes) != 6 {
		t.Fatalf("nodes = %d, want 6", len(c.Nodes))
	}
	w1, ok := c.Node("worker-1")
	if !ok {
		t.Fatal("worker-1 missing")
	}
	if w1.Role != Worker || w1.LBMethod != LBPFRing || w1.LBProcs != 2 || len(w1.PinCPUs) != 2 || w1.PinCPUs[1] != 3 {
		t.Errorf("worker-1 = %+v", w1)
	}
	if w1.Port != 27763 || w1.Addr() != "localhost:27763" {
		t.Errorf("worker-1 port %d addr %s", w1.Port, w1.Addr())
	}
	if len(w1.EnvVars) != 2 || w1.EnvVars[1] != (EnvVar{"PCAP_BUFFER", "64"}) {
		t.Errorf("env_vars = %v", w1.EnvVars)
	}
	if w1.Plugin["af_packet_fanout_id"] != "21" || w1.AuxScripts != "local-worker.zeek" {
		t.Errorf("kept keys: %v %q", w1.Plugin, w1.AuxScripts)
	}
	if w1.KeyLine("lb_procs") != 26 {
		t.Errorf("lb_procs line = %d", w1.KeyLine("lb_procs"))
	}
	w2, _ := c.Node("worker-2")
	if w2.Interface != (Source{Kind: SourceAFPacket, Prefix: "af_packet", Name: "eth1"}) || w2.Capture() != SourceAFPacket {
		t.Errorf("worker-2 interface %+v", w2.Interface)
	}
	if w2.Plugin["af_packet_buffer_size"] != "128*1024*1024" {
		t.Errorf("worker-2 plugin %v", w2.Plugin)
	}
	w3, _ := c.Node("worker-3")
	if w3.Interface.Kind != SourcePCAP || w3.Interface.Name != "/data/trace.pcap" || w3.LBProcs != 1 {
		t.Errorf("worker-3 = %+v", w3)
	}
	if m := c.Manager(); m.Name != "manager" || m.Port != 27761 {
		t.Errorf("manager %+v", m)
	}
	if r := c.LogReceivers(); len(r) != 1 || r[0].Name != "logger" {
		t.Errorf("log receivers %v", r)
	}
	if len(c.ByRole(Worker)) != 3 || len(c.ByRole(Proxy)) != 1 {
		t.Errorf("by role")
	}
	o := c.Options
	if o.BasePort != 27760 || o.LogDir != "/etc/xsensor/logs" || o.LogFormat != zeeklog.TSV || o.SecretFile != "" {
		t.Errorf("defaults %+v", o)
	}
}

func TestDesignExample(t *testing.T) {
	node := `[manager]
type=manager
host=10.0.0.1

[logger-1]
type=logger
host=10.0.0.1

[proxy-1]
type=proxy
host=10.0.0.1

[worker-1]
type=worker
host=10.0.0.2
interface=eth1
lb_method=xdp        # xdp | af_packet
lb_procs=4           # worker goroutines on this node
pin_cpus=2,3,4,5
`
	x := `# xsensor.cfg
LogDir = /var/log/xsensor
SpoolDir = spool
BasePort = 47000
SecretFile = /etc/xsensor/secret
LogFormat = json
LogRotationInterval = 600
MetricsPort = 9100
TLSCert = cert.pem
TLSKey = key.pem
sendbufferbytes = 16M
SpoolMaxBytes = 2G
HeartbeatInterval = 500ms
`
	c, err := parse(t, node, x)
	if err != nil {
		t.Fatal(err)
	}
	o := c.Options
	if o.LogDir != "/var/log/xsensor" || o.SpoolDir != "/etc/xsensor/spool" || o.BasePort != 47000 ||
		o.LogFormat != zeeklog.JSON || o.LogRotationInterval != 600*time.Second || o.MetricsPort != 9100 ||
		o.TLSCert != "/etc/xsensor/cert.pem" || o.SendBufferBytes != 16<<20 || o.SpoolMaxBytes != 2<<30 ||
		o.HeartbeatInterval != 500*time.Millisecond {
		t.Errorf("options %+v", o)
	}
	w, _ := c.Node("worker-1")
	if w.LBMethod != LBXDP || w.Capture() != SourceXDP || w.Port != 47003 {
		t.Errorf("worker %+v", w)
	}
	if o.KeyLine("logformat") != 6 {
		t.Errorf("KeyLine = %d", o.KeyLine("logformat"))
	}
}

const goodTail = `
[manager]
type=manager
host=localhost
`

func TestBadConfigs(t *testing.T) {
	for _, tc := range []struct {
		name, node, x, want string
	}{
		{"missing interface", "[worker-1]\ntype=worker\nhost=localhost\n" + goodTail,
			"", "/etc/xsensor/node.cfg:1: worker-1: interface: missing"},
		{"no manager", "[w]\ntype=worker\nhost=localhost\ninterface=eth0\n",
			"", "/etc/xsensor/node.cfg: no manager defined (want exactly one node with type=manager)"},
		{"two managers", goodTail + "\n[m2]\ntype=manager\nhost=localhost\n",
			"", "/etc/xsensor/node.cfg:7: m2: type: a second manager (the first is manager at line 2); a cluster has exactly one"},
		{"duplicate name", goodTail + "\n[manager]\ntype=proxy\nhost=localhost\n",
			"", "/etc/xsensor/node.cfg:6: manager: duplicate node name (first defined at line 2)"},
		{"unknown type", "[x]\ntype=supervisor\nhost=localhost\n" + goodTail,
			"", `/etc/xsensor/node.cfg:2: x: type: unknown node type "supervisor" (want manager, logger, proxy or worker)`},
		{"standalone", "[zeek]\ntype=standalone\nhost=localhost\ninterface=eth0\n",
			"", `/etc/xsensor/node.cfg:2: zeek: type: standalone nodes are not supported (use "xsensor run" for a one-box sensor)`},
		{"unknown key", goodTail + "colour=blue\n",
			"", "/etc/xsensor/node.cfg:5: manager: colour: unknown key (zeekctl's keys are type, host, interface, lb_method, lb_procs, lb_interfaces, pin_cpus, env_vars, aux_scripts, zeekbase, ether, zone_id)"},
		{"pin beyond cores", goodTail + "\n[w]\ntype=worker\nhost=localhost\ninterface=eth0\nlb_method=xdp\nlb_procs=2\npin_cpus=7,8\n",
			"", "/etc/xsensor/node.cfg:12: w: pin_cpus: CPU 8 does not exist (this machine has CPUs 0-7)"},
		{"pin count", goodTail + "\n[w]\ntype=worker\nhost=localhost\ninterface=eth0\nlb_method=xdp\nlb_procs=4\npin_cpus=2,3\n",
			"", "/etc/xsensor/node.cfg:12: w: pin_cpus: lists 2 CPUs for 4 worker processes (lb_procs); xsensor pins one process per CPU"},
		{"pin twice", goodTail + "pin_cpus=1,1\n",
			"", "/etc/xsensor/node.cfg:5: manager: pin_cpus: CPU 1 listed twice"},
		{"procs without method", goodTail + "\n[w]\ntype=worker\nhost=localhost\ninterface=eth0\nlb_procs=4\n",
			"", "/etc/xsensor/node.cfg:6: w: lb_method: missing (lb_procs needs a load balancing method)"},
		{"bad lb_method", goodTail + "\n[w]\ntype=worker\nhost=localhost\ninterface=eth0\nlb_procs=4\nlb_method=rss\n",
			"", `/etc/xsensor/node.cfg:11: w: lb_method: unknown lb_method "rss" (want xdp, af_packet, pf_ring, myricom, custom or interfaces)`},
		{"bad lb_procs", goodTail + "\n[w]\ntype=worker\nhost=localhost\ninterface=eth0\nlb_procs=0\nlb_method=xdp\n",
			"", `/etc/xsensor/node.cfg:10: w: lb_procs: "0" is not a number of processes between 1 and 1024`},
		{"interface on proxy", goodTail + "\n[p]\ntype=proxy\nhost=localhost\ninterface=eth0\n",
			"", "/etc/xsensor/node.cfg:9: p: interface: only worker nodes take interface (this node is a proxy)"},
		{"empty pcap", goodTail + "\n[w]\ntype=worker\nhost=localhost\ninterface=pcap::\n",
			"", `/etc/xsensor/node.cfg:9: w: interface: "pcap::" has no interface or file after "pcap::"`},
		{"no host", "[manager]\ntype=manager\n",
			"", "/etc/xsensor/node.cfg:1: manager: host: missing"},
		{"key twice", goodTail + "host=127.0.0.1\n",
			"", "/etc/xsensor/node.cfg:5: manager: host: set twice (first at line 4)"},
		{"key outside", "type=manager\n" + goodTail,
			"", "/etc/xsensor/node.cfg:1: type: key outside any [node] section"},
		{"syntax", goodTail + "just words\n",
			"", `/etc/xsensor/node.cfg:5: syntax error in "just words" (want key=value)`},
		{"bad header", "[manager\ntype=manager\n",
			"", `/etc/xsensor/node.cfg:1: malformed section header "[manager" (want [name])`},
		{"bad name", "[a/b]\ntype=manager\n",
			"", `/etc/xsensor/node.cfg:1: node name "a/b" may hold only letters, digits, '-', '_' and '.'`},
		{"no secret off loopback", goodTail + "\n[w]\ntype=worker\nhost=10.1.2.3\ninterface=eth0\n",
			"", "/etc/xsensor/node.cfg:8: w: host: 10.1.2.3 is not loopback and no SecretFile is set in xsensor.cfg: a cluster across hosts needs a shared secret"},
		{"empty", "# nothing\n", "", "/etc/xsensor/node.cfg: no nodes defined (want a [manager] section at least)"},
		{"unknown option", goodTail, "LogDir = x\nLogDirectory = y\n",
			"/etc/xsensor/xsensor.cfg:2: LogDirectory: unknown option (did you mean LogDir?)"},
		{"bad format", goodTail, "LogFormat = xml\n",
			`/etc/xsensor/xsensor.cfg:1: LogFormat: unknown log format "xml" (want tsv or json)`},
		{"bad port", goodTail, "BasePort = 70000\n",
			`/etc/xsensor/xsensor.cfg:1: BasePort: "70000" is not a port number`},
		{"bad size", goodTail, "SendBufferBytes = lots\n",
			`/etc/xsensor/xsensor.cfg:1: SendBufferBytes: "lots" is not a byte size (e.g. 65536, 64M, 1G)`},
		{"bad duration", goodTail, "LogRotationInterval = -5\n",
			`/etc/xsensor/xsensor.cfg:1: LogRotationInterval: "-5" is out of range`},
		{"option syntax", goodTail, "LogDir\n",
			`/etc/xsensor/xsensor.cfg:1: syntax error in "LogDir" (want Key = value)`},
		{"tls half", goodTail, "\nTLSCert = c.pem\n",
			"/etc/xsensor/xsensor.cfg: TLSKey: TLSCert and TLSKey must be set together"},
		{"heartbeat", goodTail, "HeartbeatInterval = 10\nHeartbeatTimeout = 5\n",
			"/etc/xsensor/xsensor.cfg:2: HeartbeatTimeout: 5s must exceed HeartbeatInterval 10s"},
		{"port overflow", goodTail + "\n[p]\ntype=proxy\nhost=localhost\n", "BasePort = 65535\n",
			"/etc/xsensor/node.cfg:6: p: port 65536 is out of range (BasePort 65535 + 2 nodes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.node, tc.x)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v is not *Error", err, err)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error\n got %s\nwant %s", got, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines")
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("node.cfg", "[manager]\ntype=manager\nhost=10.0.0.1\n")
	// No xsensor.cfg: defaults, and the secret rule bites.
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "no SecretFile") {
		t.Fatalf("want secret error, got %v", err)
	}
	write("xsensor.cfg", "SecretFile = secret\n")
	_, err = Load(dir)
	var ce *Error
	if !errors.As(err, &ce) || ce.Key != "SecretFile" || ce.Line != 1 || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("want missing secret error, got %v", err)
	}
	write("secret", "short\n")
	if _, err = Load(dir); err == nil || !strings.Contains(err.Error(), "shorter than 16") {
		t.Fatalf("want short secret error, got %v", err)
	}
	write("secret", "0123456789abcdef0123456789abcdef\n")
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Secret) != "0123456789abcdef0123456789abcdef" || c.Options.LogDir != filepath.Join(dir, "logs") {
		t.Errorf("secret %q logdir %s", c.Secret, c.Options.LogDir)
	}
	if _, err := LoadFiles(filepath.Join(dir, "node.cfg"), filepath.Join(dir, "nope.cfg")); err == nil {
		t.Error("a named xsensor.cfg must exist")
	}
	if _, err := Load(filepath.Join(dir, "nodir")); err == nil {
		t.Error("missing node.cfg must fail")
	}
}

func TestEnums(t *testing.T) {
	for r := Manager; r <= Control; r++ {
		b, err := r.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Role
		if err := back.UnmarshalText(b); err != nil || back != r {
			t.Errorf("role %v round trip: %v %v", r, back, err)
		}
	}
	for m := LBXDP; m <= LBInterfaces; m++ {
		var back LBMethod
		if err := back.UnmarshalText([]byte(m.String())); err != nil || back != m {
			t.Errorf("lb %v", m)
		}
	}
	for _, h := range []string{"localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1"} {
		if !IsLoopback(h) {
			t.Errorf("%s is loopback", h)
		}
	}
	for _, h := range []string{"10.0.0.1", "example.com", "", "::2"} {
		if IsLoopback(h) {
			t.Errorf("%s is not loopback", h)
		}
	}
}

// FuzzParse feeds arbitrary node.cfg and xsensor.cfg text: Parse must
// return a Cluster or an *Error whose text is one line, never panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(zeekNodeCfg), []byte(""))
	f.Add([]byte(goodTail), []byte("LogFormat = json\nBasePort = 1\n"))
	f.Add([]byte("[w]\ntype=worker\nhost=::1\ninterface=xdp::eth0\nlb_method=interfaces\nlb_procs=2\nlb_interfaces=a,b\n"+goodTail), []byte("SendBufferBytes=1G"))
	f.Add([]byte("[\n]\n=\n:"), []byte("=\n# x"))
	f.Fuzz(func(t *testing.T, node, x []byte) {
		c, err := Parse("node.cfg", node, "xsensor.cfg", x, LoadOptions{NumCPU: 4})
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if c.Manager() == nil {
			t.Fatal("cluster without manager")
		}
		for i, n := range c.Nodes {
			if n.Port != c.Options.BasePort+i || n.Port > 65535 {
				t.Fatalf("port %d", n.Port)
			}
			if n.Role == Worker && n.Interface.Kind == SourceNone && n.LBMethod != LBInterfaces {
				t.Fatal("worker without interface")
			}
		}
	})
}
