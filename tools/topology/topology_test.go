package topology

import (
	"net"
	"strings"
	"testing"
	"xsensor/tools/testenv"
)

func TestVethPair(t *testing.T) {
	testenv.RequirePrivileged(t)
	top, err := New(Options{Prefix: "tt", Queues: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.InterfaceByName(top.Sensor); err != nil {
		t.Fatalf("sensor end %s missing: %v", top.Sensor, err)
	}
	out, err := top.Exec("ip", "-d", "link", "show", top.Peer)
	if err != nil {
		t.Fatalf("peer end: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "numrxqueues 2") {
		t.Errorf("peer has not 2 rx queues: %s", out)
	}
	if err := top.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := net.InterfaceByName(top.Sensor); err == nil {
		t.Errorf("%s still exists after Close", top.Sensor)
	}
}
