package node

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"xsensor/analyzer/conn"
)

// ScanOptions are Zeek's policy/misc/scan.zeek knobs.
type ScanOptions struct {
	AddrThreshold int           // Scan::addr_scan_threshold: hosts on one port; default 25
	PortThreshold int           // Scan::port_scan_threshold: ports of one host; default 15
	Interval      time.Duration // Scan::addr_scan_interval and port_scan_interval; default 5m
	MaxKeys       int           // bound on tracked (scanner, port|victim) keys; default 1<<16
}

// DefaultScanOptions returns scan.zeek's defaults.
func DefaultScanOptions() ScanOptions {
	return ScanOptions{AddrThreshold: 25, PortThreshold: 15, Interval: 5 * time.Minute, MaxKeys: 1 << 16}
}

// Notice types raised by the scan detector (scan.zeek's names).
const (
	NoteAddressScan = "Scan::Address_Scan"
	NotePortScan    = "Scan::Port_Scan"
)

// scanDetector counts failed connection attempts per scanner as scan.zeek
// does with SumStats: unique victims per (scanner, port) and unique ports
// per (scanner, victim), each within an interval of network time that
// starts at the key's first observation, and raises a notice once per key
// and interval when a count reaches its threshold. Counts are this node's
// (Zeek sums them on the manager); the manager's suppression by (note,
// identifier = scanner) makes a scan seen by several nodes one notice.
//
// Safe for concurrent use: every worker goroutine reports finished
// connections to it (once per connection, under one mutex).
type scanDetector struct {
	o    ScanOptions
	emit func(Notice)

	mu   sync.Mutex
	addr map[scanKey]*scanCount // (scanner, port) → victims
	port map[scanKey]*scanCount // (scanner, victim) → ports
}

type scanKey struct {
	scanner netip.Addr
	victim  netip.Addr // port scans
	port    uint16     // address scans
}

type scanCount struct {
	start int64
	seen  map[scanKey]struct{}
	fired bool
}

func newScanDetector(o ScanOptions, emit func(Notice)) *scanDetector {
	d := DefaultScanOptions()
	if o.AddrThreshold <= 0 {
		o.AddrThreshold = d.AddrThreshold
	}
	if o.PortThreshold <= 0 {
		o.PortThreshold = d.PortThreshold
	}
	if o.Interval <= 0 {
		o.Interval = d.Interval
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = d.MaxKeys
	}
	return &scanDetector{o: o, emit: emit, addr: map[scanKey]*scanCount{}, port: map[scanKey]*scanCount{}}
}

// failed classifies a finished TCP connection as scan.zeek's
// connection_attempt / connection_rejected / connection_reset /
// connection_pending handlers do with is_failed_conn and
// is_reverse_failed_conn: ok reports a failed attempt, reverse that the
// responder is the scanner.
func failed(r *conn.Record) (ok, reverse bool) {
	if r.Proto != 6 {
		return false, false
	}
	h := string(r.History)
	data := strings.ContainsAny(h, "Dd")
	switch r.ConnState {
	case "S0", "REJ", "RSTOS0":
		return true, false // attempt, rejected (Sr), SYN then RST
	case "RSTRH", "SHR":
		return true, true
	case "RSTO", "RSTR", "SH", "S1":
		if strings.Contains(h, "S") && !data && !strings.Contains(h, "A") {
			return true, false
		}
	case "OTH":
		if h == "H" {
			return true, true
		}
	}
	return false, false
}

// observe takes one finished connection.
func (d *scanDetector) observe(r *conn.Record) {
	ok, rev := failed(r)
	if !ok {
		return
	}
	scanner, victim, port := r.OrigH, r.RespH, r.RespP
	if rev {
		scanner, victim, port = r.RespH, r.OrigH, r.OrigP
	}
	var out []Notice
	d.mu.Lock()
	if n, c := d.count(d.addr, scanKey{scanner: scanner, port: port}, scanKey{victim: victim}, r.TS, d.o.AddrThreshold); n > 0 {
		out = append(out, Notice{TS: r.TS, Note: NoteAddressScan, Src: scanner, P: port, HasP: true,
			Msg:        fmt.Sprintf("%s scanned at least %d unique hosts on port %d/tcp in %s", scanner, n, port, dur(r.TS-c.start)),
			Sub:        "remote",
			Identifier: scanner.String()})
	}
	if n, c := d.count(d.port, scanKey{scanner: scanner, victim: victim}, scanKey{port: port}, r.TS, d.o.PortThreshold); n > 0 {
		out = append(out, Notice{TS: r.TS, Note: NotePortScan, Src: scanner, Dst: victim,
			Msg:        fmt.Sprintf("%s scanned at least %d unique ports of host %s in %s", scanner, n, victim, dur(r.TS-c.start)),
			Sub:        "remote",
			Identifier: scanner.String()})
	}
	d.mu.Unlock()
	for _, n := range out {
		d.emit(n)
	}
}

// count adds item to key's set and returns the unique count when it has
// just reached threshold (0 otherwise). Caller holds mu.
func (d *scanDetector) count(m map[scanKey]*scanCount, key, item scanKey, ts int64, threshold int) (int, *scanCount) {
	c := m[key]
	if c != nil && ts-c.start > int64(d.o.Interval) {
		c = nil // interval over: SumStats starts a new epoch
	}
	if c == nil {
		if len(m) >= d.o.MaxKeys {
			clear(m) // bounded memory; scans in progress restart counting
		}
		c = &scanCount{start: ts, seen: map[scanKey]struct{}{}}
		m[key] = c
	}
	if c.fired {
		return 0, c
	}
	c.seen[item] = struct{}{}
	if len(c.seen) >= threshold {
		c.fired = true
		c.seen = nil
		return threshold, c
	}
	return 0, c
}

// dur formats an interval as Zeek's duration_to_mins_secs does ("2m11s").
func dur(ns int64) string {
	if ns < 0 {
		ns = 0
	}
	s := ns / int64(time.Second)
	return strconv.FormatInt(s/60, 10) + "m" + strconv.FormatInt(s%60, 10) + "s"
}
