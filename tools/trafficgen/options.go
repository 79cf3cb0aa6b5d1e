package trafficgen

import (
	"fmt"
	"time"
)

// Mix names accepted in Options.Mix.
const (
	MixIMIX  = "imix"
	MixSmall = "small"
	MixLarge = "large"
)

// Options configures Generate. Validate them with Validate (Generate
// does).
type Options struct {
	Mix       string    // "imix", "small" or "large"
	Flows     int       // flows to generate
	Packets   int       // packets to generate (the flows share them)
	Seed      uint64    // same seed, same output
	Start     time.Time // timestamp of the first packet
	IPv6Share float64   // fraction of flows over IPv6, 0..1
	VLANShare float64   // fraction of flows with an 802.1Q tag, 0..1

	// Additive beyond the original contract:
	PPS         float64 // nominal packet rate; timestamps are spaced around 1/PPS
	Concurrency int     // flows open at the same time
}

// DefaultOptions returns the benchmark mix: imix, 1,000,000 packets over
// 100,000 flows, 10% IPv6, 10% VLAN-tagged, 200,000 packets per second
// nominal, 4096 flows open at a time, starting 2024-01-01 00:00:00 UTC.
func DefaultOptions() Options {
	return Options{
		Mix:         MixIMIX,
		Flows:       100_000,
		Packets:     1_000_000,
		Seed:        1,
		Start:       time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		IPv6Share:   0.10,
		VLANShare:   0.10,
		PPS:         200_000,
		Concurrency: 4096,
	}
}

// Validate reports the first invalid option.
func (o Options) Validate() error {
	switch o.Mix {
	case MixIMIX, MixSmall, MixLarge:
	default:
		return fmt.Errorf("mix %q: want imix, small or large", o.Mix)
	}
	switch {
	case o.Flows < 1:
		return fmt.Errorf("flows %d: want at least 1", o.Flows)
	case o.Packets < 1:
		return fmt.Errorf("packets %d: want at least 1", o.Packets)
	case o.Flows > 1<<24:
		return fmt.Errorf("flows %d: at most %d (unique addresses run out)", o.Flows, 1<<24)
	case !(o.IPv6Share >= 0 && o.IPv6Share <= 1):
		return fmt.Errorf("ipv6 share %v: want 0 to 1", o.IPv6Share)
	case !(o.VLANShare >= 0 && o.VLANShare <= 1):
		return fmt.Errorf("vlan share %v: want 0 to 1", o.VLANShare)
	case o.PPS < 0 || o.PPS > 1e9:
		return fmt.Errorf("pps %v: want 0 (default) to 1e9", o.PPS)
	case o.Concurrency < 0:
		return fmt.Errorf("concurrency %d: want 0 (default) or more", o.Concurrency)
	}
	return nil
}
