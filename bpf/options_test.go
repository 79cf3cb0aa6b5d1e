package bpf

import (
	"errors"
	"net/netip"
	"testing"

	"xsensor/analyzer/flowhash"
)

func TestOptionsDefaults(t *testing.T) {
	o, err := Options{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.WorkersPerQueue != 1 || o.Queues != 64 || o.ShuntEntries != 65536 {
		t.Errorf("defaults %+v", o)
	}
	c := Options{WorkersPerQueue: 4, HashMode: flowhash.ModeIPPair, NoSocket: ActionDrop,
		Filter: Filter{Mode: FilterDeny}, debug: true}.config()
	want := config{WorkersPerQueue: 4, HashMode: hashIPPair, NoSocketAction: xdpDrop, FilterMode: filterDeny, Flags: cfgDebug}
	if c != want {
		t.Errorf("config() = %+v, want %+v", c, want)
	}
}

func TestOptionsInvalid(t *testing.T) {
	for _, o := range []Options{
		{WorkersPerQueue: -1},
		{Queues: -2},
		{WorkersPerQueue: 1 << 10, Queues: 1 << 10},
		{ShuntEntries: -1},
		{HashMode: 7},
		{NoSocket: 9},
		{Filter: Filter{Mode: 5}},
		{Filter: Filter{Mode: FilterAllow, Prefixes: []netip.Prefix{{}}}},
	} {
		if _, err := o.withDefaults(); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%+v: %v, want ErrInvalidOptions", o, err)
		}
	}
}

func TestEnumsText(t *testing.T) {
	for _, s := range []string{"pass", "drop"} {
		var a Action
		if err := a.UnmarshalText([]byte(s)); err != nil || a.String() != s {
			t.Errorf("Action %q: %v %v", s, a, err)
		}
	}
	for _, s := range []string{"off", "allow", "deny"} {
		var m FilterMode
		if err := m.UnmarshalText([]byte(s)); err != nil || m.String() != s {
			t.Errorf("FilterMode %q: %v %v", s, m, err)
		}
	}
	for _, s := range []string{"auto", "drv", "skb"} {
		var m AttachMode
		if err := m.UnmarshalText([]byte(s)); err != nil || m.String() != s {
			t.Errorf("AttachMode %q: %v %v", s, m, err)
		}
	}
	var a Action
	var fm FilterMode
	var am AttachMode
	if a.UnmarshalText([]byte("x")) == nil || fm.UnmarshalText([]byte("x")) == nil || am.UnmarshalText([]byte("x")) == nil {
		t.Error("unknown names accepted")
	}
}

func TestNormPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"10.1.2.3/8":              "10.0.0.0/8",
		"::ffff:198.51.100.9/120": "198.51.100.0/24",
		"::ffff:0.0.0.0/80":       "0.0.0.0/0",
		"2001:db8::1/32":          "2001:db8::/32",
	} {
		if got := normPrefix(netip.MustParsePrefix(in)); got.String() != want {
			t.Errorf("normPrefix(%s) = %s, want %s", in, got, want)
		}
	}
}
