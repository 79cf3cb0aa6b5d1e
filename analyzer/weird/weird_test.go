package weird

import (
	"net/netip"
	"strings"
	"testing"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/zeeklog"
)

func TestSampling(t *testing.T) {
	s := Sampling{Threshold: 3, Rate: 5}
	var got []uint64
	for i := uint64(1); i <= 20; i++ {
		if s.Permit(i) {
			got = append(got, i)
		}
	}
	want := []uint64{1, 2, 3, 8, 13, 18}
	if len(got) != len(want) {
		t.Fatalf("permitted %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("permitted %v, want %v", got, want)
		}
	}
}

func TestCounter(t *testing.T) {
	var c Counter
	for i := 0; i < 3; i++ {
		c.Add("a")
	}
	if n := c.Add("a"); n != 4 {
		t.Errorf("a counted %d", n)
	}
	for _, n := range []string{"b", "c", "d", "e", "f"} {
		c.Add(n)
	}
	if n := c.Add("b"); n != 2 {
		t.Errorf("b counted %d", n)
	}
	if n := testing.AllocsPerRun(100, func() { c.Add("a") }); n != 0 {
		t.Errorf("Add allocates %.1f", n)
	}
}

func TestAppendRecord(t *testing.T) {
	e := zeeklog.NewEncoder(&Schema, zeeklog.TSV)
	r := Record{TS: 1e9, HasConn: true, Name: "DNS_Conn_count_too_large", Addl: "10 > 3", Peer: "zeek", Source: "DNS",
		ID: conn.ID{OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: 1, RespH: netip.MustParseAddr("10.0.0.2"), RespP: 53}}
	line := string(AppendRecord(e, nil, &r))
	f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
	if len(f) != len(Schema.Fields) || f[6] != "DNS_Conn_count_too_large" || f[7] != "10 > 3" || f[8] != "F" || f[10] != "DNS" {
		t.Errorf("%q", line)
	}
	r.HasConn, r.Addl, r.Source = false, "", ""
	line = string(AppendRecord(e, nil, &r))
	if f := strings.Split(strings.TrimSuffix(line, "\n"), "\t"); f[1] != "-" || f[7] != "-" || f[10] != "-" {
		t.Errorf("%q", line)
	}
}
