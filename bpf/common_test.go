package bpf

import (
	"os"
	"regexp"
	"strconv"
	"testing"
	"unsafe"
)

// TestCommonConstants checks the Go mirrors of xsensor_common.h's
// constants against the header text. (Struct layouts are checked at
// compile time in program_linux.go.)
func TestCommonConstants(t *testing.T) {
	src, err := os.ReadFile("xsensor_common.h")
	if err != nil {
		t.Fatal(err)
	}
	c := map[string]int64{}
	for _, m := range regexp.MustCompile(`(?m)^\s*(?:#define\s+(XS_\w+)\s+(0x[0-9a-fA-F]+|\d+)|(XS_\w+)\s*=\s*(\d+),)`).FindAllSubmatch(src, -1) {
		name, val := string(m[1]), string(m[2])
		if name == "" {
			name, val = string(m[3]), string(m[4])
		}
		v, err := strconv.ParseInt(val, 0, 64)
		if err != nil {
			t.Fatal(err)
		}
		c[name] = v
	}
	for name, want := range map[string]int64{
		"XS_MAX_VLAN": maxVLAN, "XS_MAX_MPLS": maxMPLS, "XS_MAX_EXTHDR": maxExtHdr,
		"XS_STAT_SEEN": statSeen, "XS_STAT_REDIRECTED": statRedirected, "XS_STAT_PASSED": statPassed,
		"XS_STAT_DROPPED": statDropped, "XS_STAT_PARSE_ERRORS": statParseErrors,
		"XS_STAT_REDIRECT_FAIL": statRedirectFail, "XS_STAT_SHUNTED": statShunted,
		"XS_STAT_FILTERED": statFiltered, "XS_STAT_MAX": statMax,
		"XS_HASH_5TUPLE": hash5Tuple, "XS_HASH_IPPAIR": hashIPPair,
		"XS_FILTER_OFF": filterOff, "XS_FILTER_ALLOW": filterAllow, "XS_FILTER_DENY": filterDeny,
		"XS_CFG_DEBUG": cfgDebug, "XS_KEY_BYTES": keyBytes,
		"XS_ST_IP": stIP, "XS_ST_FRAGMENT": stFragment, "XS_ST_PARSE_ERR": stParseErr,
		"XS_ST_SHUNTED": stShunted, "XS_ST_FILTERED": stFiltered,
	} {
		got, ok := c[name]
		if !ok {
			t.Errorf("%s not found in xsensor_common.h", name)
		} else if got != want {
			t.Errorf("%s = %d in xsensor_common.h, %d in Go", name, got, want)
		}
	}
	if n := unsafe.Sizeof(FlowKey{}); n != 44 {
		t.Errorf("sizeof FlowKey = %d, want 44", n)
	}
}
