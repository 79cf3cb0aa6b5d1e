package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Machine identifies where a result was measured.
type Machine struct {
	CPU     string `json:"cpu"`
	Cores   int    `json:"cores"`
	Kernel  string `json:"kernel"`
	Go      string `json:"go"`
	Commit  string `json:"commit"`
	Host    string `json:"host"`
	MemoryB uint64 `json:"memory_bytes"`
}

// ThisMachine reads the CPU model, cores and kernel.
func ThisMachine(commit string) Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), Commit: commit}
	m.Host, _ = os.Hostname()
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		m.MemoryB = uint64(si.Totalram) * uint64(si.Unit)
	}
	return m
}

// Shipping is the log-shipping measurement.
type Shipping struct {
	RawBytes       uint64  `json:"raw_bytes"`
	WireBytes      uint64  `json:"wire_bytes"`
	Records        uint64  `json:"records"`
	IngestPerSec   float64 `json:"ingest_records_per_sec"`
	Note           string  `json:"note,omitempty"`
	WireOverRawPct float64 `json:"wire_over_raw_pct"`
}

// Micro is one Go micro-benchmark result.
type Micro struct {
	Name        string  `json:"name"`
	NsPerOp     float64 `json:"ns_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	Extra       string  `json:"extra,omitempty"`
}

// Ratios are the numbers that carry across machines.
type Ratios struct {
	// MbpsPerCoreOver250 is offline IMIX throughput per worker core
	// (analyzers on) divided by the 250 Mbps rule of thumb.
	MbpsPerCoreOver250 float64 `json:"mbps_per_core_over_250"`
	// AFXDPOverAFPacket compares the highest zero-loss rates.
	AFXDPOverAFPacket float64 `json:"afxdp_over_afpacket"`
	// XDPOverDropCeiling compares AF_XDP's zero-loss rate with the rate
	// the XDP_DROP program absorbed without loss.
	XDPOverDropCeiling float64 `json:"xdp_over_drop_ceiling"`
	// WireOverRaw is conn.log bytes on the wire over raw log bytes.
	WireOverRaw float64 `json:"wire_over_raw"`
}

// Results is one `xsensor bench` run.
type Results struct {
	Time     time.Time `json:"time"`
	Machine  Machine   `json:"machine"`
	Offline  []Offline `json:"offline"`
	Live     []Point   `json:"live"`
	Shipping *Shipping `json:"shipping,omitempty"`
	Micro    []Micro   `json:"micro,omitempty"`
	Ratios   Ratios    `json:"ratios"`
	Notes    []string  `json:"notes,omitempty"`
}

// ZeroLoss returns the highest sender-achieved rate of mode with no loss.
func ZeroLoss(pts []Point, mode string) float64 {
	best := 0.0
	for _, p := range pts {
		if p.Mode == mode && p.Lost == 0 && p.SentPPS > best {
			best = p.SentPPS
		}
	}
	return best
}

// ComputeRatios fills r.Ratios from the measurements.
func (r *Results) ComputeRatios() {
	for _, o := range r.Offline {
		if o.Name == "imix" && o.Workers == 1 && (o.Analyzers || r.Ratios.MbpsPerCoreOver250 == 0) {
			r.Ratios.MbpsPerCoreOver250 = o.MbpsPerCore / 250
		}
	}
	x, a, d := ZeroLoss(r.Live, "xdp"), ZeroLoss(r.Live, "afpacket"), ZeroLoss(r.Live, "xdp-drop")
	if a > 0 {
		r.Ratios.AFXDPOverAFPacket = x / a
	}
	if d > 0 {
		r.Ratios.XDPOverDropCeiling = x / d
	}
	if s := r.Shipping; s != nil && s.RawBytes > 0 {
		r.Ratios.WireOverRaw = float64(s.WireBytes) / float64(s.RawBytes)
	}
}

// WriteJSON writes the results to dir/results.json and returns the path.
func (r *Results) WriteJSON(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "results.json")
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	return p, os.Rename(tmp, p)
}

// Table prints the results as text tables.
func (r *Results) Table(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "xsensor bench %s — %s, %d cores, kernel %s, %s, commit %s\n\n",
		r.Time.UTC().Format(time.RFC3339), m.CPU, m.Cores, m.Kernel, m.Go, m.Commit)
	if len(r.Offline) > 0 {
		fmt.Fprintf(w, "Offline replay (per worker core, busy time)\n%-10s %-9s %7s %10s %12s %12s %10s\n",
			"mix", "analyzers", "workers", "packets", "pkts/s/core", "Mbps/core", "×250Mbps")
		for _, o := range r.Offline {
			fmt.Fprintf(w, "%-10s %-9v %7d %10d %12.0f %12.1f %10.2f\n", o.Name, o.Analyzers, o.Workers, o.Packets, o.PPSPerCore, o.MbpsPerCore, o.MbpsPerCore/250)
		}
		fmt.Fprintln(w)
	}
	if len(r.Live) > 0 {
		fmt.Fprintf(w, "Live path on veth (loss at every stage)\n%-9s %9s %9s %9s %9s %9s %8s %8s %8s %9s %8s\n",
			"mode", "target", "sent/s", "sent", "xdp-seen", "redirect", "ringfull", "fillempt", "kdrops", "processed", "loss%")
		for _, p := range r.Live {
			fmt.Fprintf(w, "%-9s %9.0f %9.0f %9d %9d %9d %8d %8d %8d %9d %8.2f\n", p.Mode, p.Target, p.SentPPS, p.Sent,
				p.XDPSeen, p.Redirect, p.RingFull, p.FillEmpty, p.KernDrops, p.Processed, p.LossPct())
		}
		fmt.Fprintf(w, "zero-loss rate: AF_XDP %.0f pps, AF_PACKET %.0f pps, XDP_DROP ceiling %.0f pps\n\n",
			ZeroLoss(r.Live, "xdp"), ZeroLoss(r.Live, "afpacket"), ZeroLoss(r.Live, "xdp-drop"))
	}
	if s := r.Shipping; s != nil {
		fmt.Fprintf(w, "Log shipping: %d records, %d raw bytes, %d on the wire (%.1f× smaller), ingest %.0f records/s/core %s\n\n",
			s.Records, s.RawBytes, s.WireBytes, float64(s.RawBytes)/max(float64(s.WireBytes), 1), s.IngestPerSec, s.Note)
	}
	if len(r.Micro) > 0 {
		fmt.Fprintf(w, "Micro-benchmarks\n%-50s %12s %10s %10s\n", "benchmark", "ns/op", "allocs/op", "B/op")
		for _, mb := range r.Micro {
			fmt.Fprintf(w, "%-50s %12.1f %10.0f %10.0f %s\n", mb.Name, mb.NsPerOp, mb.AllocsPerOp, mb.BytesPerOp, mb.Extra)
		}
		fmt.Fprintln(w)
	}
	q := r.Ratios
	fmt.Fprintf(w, "Ratios: Mbps/core ÷ 250 = %.2f; AF_XDP ÷ AF_PACKET = %.2f; XDP path ÷ XDP_DROP ceiling = %.2f; wire ÷ raw = %.3f\n",
		q.MbpsPerCoreOver250, q.AFXDPOverAFPacket, q.XDPOverDropCeiling, q.WireOverRaw)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}
