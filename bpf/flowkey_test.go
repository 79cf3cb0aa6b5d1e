package bpf

import (
	"net/netip"
	"testing"
)

func TestNewFlowKey(t *testing.T) {
	a, b := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.1")
	k1, err := NewFlowKey(a, b, 80, 1234, 6)
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := NewFlowKey(b, a, 1234, 80, 6)
	if k1 != k2 {
		t.Fatalf("directions differ: %v vs %v", k1, k2)
	}
	if got, want := k1.String(), "10.0.0.1:1234-10.0.0.2:80/6"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	want := []byte{10, 0, 0, 1, 10, 0, 0, 2, 0x04, 0xd2, 0, 80, 6, 0, 0, 0}
	if got := k1.HashBytes(); string(got) != string(want) || k1.Family != 4 {
		t.Errorf("HashBytes() = % x family %d, want % x family 4", got, k1.Family, want)
	}
	for _, b := range k1.Bytes[16:] {
		if b != 0 {
			t.Fatalf("IPv4 key tail not zero: % x", k1.Bytes)
		}
	}

	// Equal addresses: the lower port first.
	k3, _ := NewFlowKey(a, a, 9, 7, 6)
	if lp, hp := k3.Ports(); lp != 7 || hp != 9 {
		t.Errorf("equal addresses: ports %d,%d, want 7,9", lp, hp)
	}

	// IPv6, and IPv4-mapped addresses are unmapped.
	v6a, v6b := netip.MustParseAddr("2001:db8::2"), netip.MustParseAddr("2001:db8::1")
	k6, _ := NewFlowKey(v6a, v6b, 1, 2, 132)
	lo, hi := k6.Addrs()
	if lo != v6b || hi != v6a || k6.Proto() != 132 || len(k6.HashBytes()) != 40 || k6.Family != 6 {
		t.Errorf("IPv6 key %v", k6)
	}
	km, _ := NewFlowKey(netip.MustParseAddr("::ffff:10.0.0.2"), b, 80, 1234, 6)
	if km != k1 {
		t.Errorf("mapped address key %v, want %v", km, k1)
	}
	// UDP keys without ports; TCP to the same port not.
	kt, _ := NewFlowKey(a, b, 50000, 4789, 17)
	if lp, hp := kt.Ports(); lp != 0 || hp != 0 || kt.Proto() != 17 {
		t.Errorf("VXLAN key %v: want ports 0", kt)
	}
	if kt2, _ := NewFlowKey(b, a, 4789, 61000, 17); kt2 != kt {
		t.Errorf("VXLAN reverse key %v, want %v", kt2, kt)
	}
	if k, _ := NewFlowKey(a, b, 50000, 4789, 6); k.Bytes[8] == 0 && k.Bytes[9] == 0 {
		t.Errorf("TCP key %v lost its ports", k)
	}
	if _, err := NewFlowKey(a, v6a, 1, 2, 6); err == nil {
		t.Error("mixed families: no error")
	}
	if _, err := NewFlowKey(netip.Addr{}, a, 1, 2, 6); err == nil {
		t.Error("invalid address: no error")
	}
}
