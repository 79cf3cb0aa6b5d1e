package clustertest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Node is one node.cfg section of a test cluster.
type Node struct {
	Name, Type, Interface string
}

// WriteConfig writes node.cfg and xsensor.cfg for nodes on 127.0.0.1 into
// dir, choosing a BasePort with len(nodes) free consecutive ports, and
// returns the node.cfg path and the base port. extra lines go into
// xsensor.cfg.
func WriteConfig(t testing.TB, dir string, nodes []Node, extra ...string) (string, int) {
	t.Helper()
	var nb strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&nb, "[%s]\ntype=%s\nhost=127.0.0.1\n", n.Name, n.Type)
		if n.Interface != "" {
			fmt.Fprintf(&nb, "interface=%s\n", n.Interface)
		}
		nb.WriteString("\n")
	}
	base := FreePorts(t, len(nodes))
	xs := fmt.Sprintf("BasePort = %d\nLogDir = %s\nSpoolDir = %s\n%s\n", base,
		filepath.Join(dir, "logs"), filepath.Join(dir, "spool"), strings.Join(extra, "\n"))
	nodeCfg := filepath.Join(dir, "node.cfg")
	if err := os.WriteFile(nodeCfg, []byte(nb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "xsensor.cfg"), []byte(xs), 0o644); err != nil {
		t.Fatal(err)
	}
	return nodeCfg, base
}

// FreePorts returns a base port p such that p … p+n-1 could be bound.
func FreePorts(t testing.TB, n int) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		base := 20000 + rand.IntN(30000)
		ok := true
		var ls []net.Listener
		for i := 0; i < n && ok; i++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+i))
			if err != nil {
				ok = false
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}
