package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"xsensor/tools/testenv"

	"xsensor/tools/trafficgen"
	"xsensor/tools/zeekdiff"
)

// connRecords replays file with n workers and returns its conn.log
// records without uids and tunnel_parents (which hold uids), sorted.
func connRecords(t *testing.T, file string, n int) []string {
	t.Helper()
	out := t.TempDir()
	if err := runReplay([]string{"-r", file, "-o", out, "-w", itoa(n), "-q", "-C"}); err != nil {
		t.Fatal(err)
	}
	recs, err := zeekdiff.ReadLog(filepath.Join(out, "conn.log"))
	if err != nil {
		t.Fatal(err)
	}
	fields := zeekConnFields()
	var lines []string
	for _, r := range recs {
		var b strings.Builder
		for _, f := range fields {
			if f == "uid" || f == "tunnel_parents" {
				continue
			}
			b.WriteString(r[f])
			b.WriteByte('\t')
		}
		lines = append(lines, b.String())
	}
	slices.Sort(lines)
	return lines
}

func zeekConnFields() []string {
	return []string{"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
		"orig_bytes", "resp_bytes", "conn_state", "missed_bytes", "history", "orig_pkts", "orig_ip_bytes",
		"resp_pkts", "resp_ip_bytes", "tunnel_parents", "ip_proto", "community_id"}
}

func itoa(n int) string { return string(rune('0' + n)) }

// TestWorkersAgree: one worker and two workers write the same conn.log
// records, apart from uids and order, on our generated mix and on Zeek
// traces with tunnels, fragments and VLANs.
func TestWorkersAgree(t *testing.T) {
	files := []string{filepath.Join(t.TempDir(), "gen.pcap")}
	o := trafficgen.DefaultOptions()
	o.Flows, o.Packets = 3000, 60000
	if _, err := trafficgen.WritePcap(files[0], o); err != nil {
		t.Fatal(err)
	}
	if s := testenv.SharedDir(); s != "" {
		for _, f := range []string{"tunnels/gtp/gtp1_gn_normal_incl_fragmentation.pcap", "tunnels/gre-sample.pcap",
			"ipv6-fragmented-dns.pcap", "q-in-q.pcap", "wikipedia.pcap", "tunnels/vxlan.pcap"} {
			p := filepath.Join(s, "zeek-traces", f)
			if _, err := os.Stat(p); err == nil {
				files = append(files, p)
			}
		}
	}
	for _, f := range files {
		one, two := connRecords(t, f, 1), connRecords(t, f, 2)
		if len(one) == 0 {
			t.Errorf("%s: no conn records", filepath.Base(f))
		}
		if !slices.Equal(one, two) {
			n := 0
			for i := 0; i < len(one) && i < len(two) && n < 5; i++ {
				if one[i] != two[i] {
					t.Logf("-w1: %s\n-w2: %s", one[i], two[i])
					n++
				}
			}
			t.Errorf("%s: -w 1 wrote %d records, -w 2 wrote %d, and they differ", filepath.Base(f), len(one), len(two))
		}
	}
}
