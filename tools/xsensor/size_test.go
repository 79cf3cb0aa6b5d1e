package main

import "testing"

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"2Gbps": 2000, "2048Mbps": 2048, "750M": 750, "2g": 2000, "300": 300, "1.5 Gbps": 1500} {
		got, err := parseRate(in)
		if err != nil || got != want {
			t.Errorf("parseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "fast", "-3G", "0"} {
		if _, err := parseRate(bad); err == nil {
			t.Errorf("parseRate(%q) accepted", bad)
		}
	}
}

// The seed's worked example: a 2 Gbps (2048 Mbps) peak at 250 Mbps per
// core needs 8.2 cores; quad-core boxes.
func TestSizingArithmetic(t *testing.T) {
	s := computeSizing(2048, 250, 0, 4)
	if s.RuleCoresExact < 8.19 || s.RuleCoresExact > 8.2 || s.RuleCores != 9 || s.Cores != 9 || s.RuleBoxes != 3 {
		t.Errorf("seed example: %+v", s)
	}
	s = computeSizing(2048, 2000, 0.2, 4) // 1600 usable per core
	if s.Cores != 2 || s.Boxes != 1 {
		t.Errorf("2000 Mbps/core with 20%% headroom: %+v", s)
	}
}
