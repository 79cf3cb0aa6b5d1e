package metrics

import (
	"strings"
	"testing"

	"xsensor/cluster/config"
	"xsensor/cluster/logger"
	"xsensor/cluster/ship"
)

func TestNodeAddr(t *testing.T) {
	nodeCfg := "[manager]\ntype=manager\nhost=127.0.0.1\n\n[logger]\ntype=logger\nhost=127.0.0.1\n\n[w1]\ntype=worker\nhost=127.0.0.1\ninterface=pcap::x.pcap\n"
	for _, tc := range []struct {
		xcfg string
		node string
		want string
	}{
		{"", "w1", ""}, // MetricsPort 0: no endpoint
		{"MetricsPort = 9100\n", "manager", "127.0.0.1:9100"},
		{"MetricsPort = 9100\n", "logger", "127.0.0.1:9101"},
		{"MetricsPort = 9100\n", "w1", "127.0.0.1:9102"},
	} {
		c, err := config.Parse("node.cfg", []byte(nodeCfg), "xsensor.cfg", []byte(tc.xcfg), config.LoadOptions{NumCPU: 2})
		if err != nil {
			t.Fatal(err)
		}
		n, _ := c.Node(tc.node)
		got, err := NodeAddr(c, n)
		if err != nil || got != tc.want {
			t.Errorf("%q %s: NodeAddr = %q, %v; want %q", tc.xcfg, tc.node, got, err, tc.want)
		}
	}
	c, err := config.Parse("node.cfg", []byte(nodeCfg), "xsensor.cfg", []byte("MetricsPort = 65534\n"), config.LoadOptions{NumCPU: 2})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := c.Node("w1")
	if _, err := NodeAddr(c, n); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("MetricsPort 65534 + 2: err %v, want out of range", err)
	}
}

// TestRoleCollectors: the shipper and log writer series read their
// Stats once per scrape, with the values they hold.
func TestRoleCollectors(t *testing.T) {
	r := New(Options{Node: "n", Role: "worker", NoRuntime: true})
	sst := ship.Stats{Records: 70, Batches: 3, DroppedRecords: 2, Buffered: 4096, SpoolBytes: 10, WireSent: 9, WireAcked: 7}
	lst := logger.Stats{Records: 208, Bytes: 21175, Batches: 5, Files: 3}
	if err := r.AddShipper(func() ship.Stats { return sst }); err != nil {
		t.Fatal(err)
	}
	if err := r.AddLogWriter(func() logger.Stats { return lst }); err != nil {
		t.Fatal(err)
	}
	if err := r.AddShipper(func() ship.Stats { return sst }); err == nil {
		t.Error("a second shipper registered: series would collide")
	}
	srv, err := r.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	m := scrape(t, srv.URL())
	for name, want := range map[string]float64{
		"xsensor_ship_records_total": 70, "xsensor_ship_batches_total": 3, "xsensor_ship_dropped_records_total": 2,
		"xsensor_ship_backlog_bytes": 4096, "xsensor_ship_spool_bytes": 10, "xsensor_ship_backlog_frames": 2,
		"xsensor_log_records_written_total": 208, "xsensor_log_bytes_written_total": 21175, "xsensor_log_files_open": 3,
	} {
		if got, ok := m[name]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
}
