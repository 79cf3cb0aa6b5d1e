package config

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"xsensor/analyzer/zeeklog"
)

// Options are the global settings of xsensor.cfg.
// The zero value is not useful; DefaultOptions returns the defaults.
type Options struct {
	LogDir              string         // where the logger writes; default "logs" beside the config
	SpoolDir            string         // per-node state and send spool; default "spool" beside the config
	BasePort            int            // first node port; default 27760
	SecretFile          string         // cluster secret; "" allows loopback-only clusters
	LogFormat           zeeklog.Format // tsv (default) or json
	LogRotationInterval time.Duration  // 0 = never; default 3600s as zeekctl
	MetricsPort         int            // 0 = no metrics endpoint

	// Transport (cluster/wire).
	TLSCert, TLSKey, TLSCA string        // PEM files; TLS is on when TLSCert is set
	SendBufferBytes        int64         // unacknowledged bytes a sender keeps in memory; default 64 MiB
	SpoolMaxBytes          int64         // bytes a sender may spill to SpoolDir; 0 = no spill; default 1 GiB
	HeartbeatInterval      time.Duration // default 1s
	HeartbeatTimeout       time.Duration // peer declared dead after this silence; default 5 heartbeats
	HandshakeTimeout       time.Duration // default 10s

	// Roles.
	NoticeSuppressionInterval time.Duration // Notice::default_suppression_interval; default 1h
	StatsInterval             time.Duration // stats.log period (Stats::report_interval); default 5m
	CaptureLossInterval       time.Duration // capture_loss.log period (CaptureLoss::watch_interval); default 15m

	File  string         // xsensor.cfg path, "" when absent
	lines map[string]int // lower-case key → line
}

// DefaultOptions returns the defaults, with relative paths resolved in dir.
func DefaultOptions(dir string) Options {
	return Options{
		LogDir:                    filepath.Join(dir, "logs"),
		SpoolDir:                  filepath.Join(dir, "spool"),
		BasePort:                  27760,
		LogFormat:                 zeeklog.TSV,
		LogRotationInterval:       time.Hour,
		SendBufferBytes:           64 << 20,
		SpoolMaxBytes:             1 << 30,
		HeartbeatInterval:         time.Second,
		HeartbeatTimeout:          5 * time.Second,
		HandshakeTimeout:          10 * time.Second,
		NoticeSuppressionInterval: time.Hour,
		StatsInterval:             5 * time.Minute,
		CaptureLossInterval:       15 * time.Minute,
	}
}

// KeyLine returns the line where key (any case) was set, or 0.
func (o *Options) KeyLine(key string) int { return o.lines[strings.ToLower(key)] }

type optKind uint8

const (
	kPath optKind = iota
	kString
	kPort
	kDuration
	kBytes
	kFormat
)

type optSpec struct {
	name string // canonical spelling, for messages
	kind optKind
	set  func(o *Options) any // pointer to the field
}

var optSpecs = map[string]optSpec{}

func init() {
	for _, s := range []optSpec{
		{"LogDir", kPath, func(o *Options) any { return &o.LogDir }},
		{"SpoolDir", kPath, func(o *Options) any { return &o.SpoolDir }},
		{"BasePort", kPort, func(o *Options) any { return &o.BasePort }},
		{"SecretFile", kPath, func(o *Options) any { return &o.SecretFile }},
		{"LogFormat", kFormat, func(o *Options) any { return &o.LogFormat }},
		{"LogRotationInterval", kDuration, func(o *Options) any { return &o.LogRotationInterval }},
		{"MetricsPort", kPort, func(o *Options) any { return &o.MetricsPort }},
		{"TLSCert", kPath, func(o *Options) any { return &o.TLSCert }},
		{"TLSKey", kPath, func(o *Options) any { return &o.TLSKey }},
		{"TLSCA", kPath, func(o *Options) any { return &o.TLSCA }},
		{"SendBufferBytes", kBytes, func(o *Options) any { return &o.SendBufferBytes }},
		{"SpoolMaxBytes", kBytes, func(o *Options) any { return &o.SpoolMaxBytes }},
		{"HeartbeatInterval", kDuration, func(o *Options) any { return &o.HeartbeatInterval }},
		{"HeartbeatTimeout", kDuration, func(o *Options) any { return &o.HeartbeatTimeout }},
		{"HandshakeTimeout", kDuration, func(o *Options) any { return &o.HandshakeTimeout }},
		{"NoticeSuppressionInterval", kDuration, func(o *Options) any { return &o.NoticeSuppressionInterval }},
		{"StatsInterval", kDuration, func(o *Options) any { return &o.StatsInterval }},
		{"CaptureLossInterval", kDuration, func(o *Options) any { return &o.CaptureLossInterval }},
	} {
		optSpecs[strings.ToLower(s.name)] = s
	}
}

// ParseOptions parses xsensor.cfg data over DefaultOptions(dir); relative
// paths are resolved in dir. file names the source in errors.
func ParseOptions(file, dir string, data []byte) (Options, error) {
	o := DefaultOptions(dir)
	o.File = file
	o.lines = map[string]int{}
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return o, &Error{File: file, Line: lineNo, Msg: fmt.Sprintf("syntax error in %q (want Key = value)", s)}
		}
		key := strings.TrimSpace(k)
		lk := strings.ToLower(key)
		v = stripComment(strings.TrimSpace(v))
		spec, known := optSpecs[lk]
		if !known {
			return o, &Error{File: file, Line: lineNo, Key: key, Msg: "unknown option" + suggest(lk)}
		}
		if prev, dup := o.lines[lk]; dup {
			return o, &Error{File: file, Line: lineNo, Key: spec.name, Msg: fmt.Sprintf("set twice (first at line %d)", prev)}
		}
		o.lines[lk] = lineNo
		if err := setOpt(&o, spec, v, dir); err != nil {
			return o, &Error{File: file, Line: lineNo, Key: spec.name, Msg: err.Error()}
		}
	}
	if o.HeartbeatInterval <= 0 {
		return o, o.errorf("HeartbeatInterval", "must be positive")
	}
	if o.HeartbeatTimeout <= o.HeartbeatInterval {
		return o, o.errorf("HeartbeatTimeout", fmt.Sprintf("%v must exceed HeartbeatInterval %v", o.HeartbeatTimeout, o.HeartbeatInterval))
	}
	if o.HandshakeTimeout <= 0 {
		return o, o.errorf("HandshakeTimeout", "must be positive")
	}
	if o.SendBufferBytes < 1<<20 {
		return o, o.errorf("SendBufferBytes", "must be at least 1M")
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return o, o.errorf("TLSKey", "TLSCert and TLSKey must be set together")
	}
	if o.TLSCA != "" && o.TLSCert == "" {
		return o, o.errorf("TLSCA", "needs TLSCert and TLSKey")
	}
	return o, nil
}

func (o *Options) errorf(key, msg string) *Error {
	return &Error{File: o.File, Line: o.KeyLine(key), Key: key, Msg: msg}
}

func suggest(lk string) string {
	for k, s := range optSpecs {
		if strings.Contains(k, lk) || strings.Contains(lk, k) {
			return fmt.Sprintf(" (did you mean %s?)", s.name)
		}
	}
	return ""
}

func setOpt(o *Options, spec optSpec, v, dir string) error {
	p := spec.set(o)
	switch spec.kind {
	case kPath:
		if v != "" && !filepath.IsAbs(v) {
			v = filepath.Join(dir, v)
		}
		*p.(*string) = v
	case kString:
		*p.(*string) = v
	case kPort:
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 65535 {
			return fmt.Errorf("%q is not a port number", v)
		}
		*p.(*int) = n
	case kDuration:
		d, err := ParseDuration(v)
		if err != nil {
			return err
		}
		*p.(*time.Duration) = d
	case kBytes:
		n, err := ParseBytes(v)
		if err != nil {
			return err
		}
		*p.(*int64) = n
	case kFormat:
		if err := p.(*zeeklog.Format).UnmarshalText([]byte(v)); err != nil {
			return err
		}
	}
	return nil
}

// ParseDuration accepts whole or fractional seconds ("3600", "0.5") or a Go
// duration ("500ms", "1h"). Negative values are errors.
func ParseDuration(v string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 || f > 1e9 || f != f {
			return 0, fmt.Errorf("%q is out of range", v)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration (seconds, or e.g. 500ms)", v)
	}
	return d, nil
}

// ParseBytes accepts a byte count with an optional K, M or G suffix
// (powers of 1024; a trailing "B" or "iB" is allowed).
func ParseBytes(v string) (int64, error) {
	s := strings.ToUpper(strings.TrimSpace(v))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "B"), "I")
	mul := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'K':
			mul, s = 1<<10, s[:n-1]
		case 'M':
			mul, s = 1<<20, s[:n-1]
		case 'G':
			mul, s = 1<<30, s[:n-1]
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > (1<<50)/mul {
		return 0, fmt.Errorf("%q is not a byte size (e.g. 65536, 64M, 1G)", v)
	}
	return n * mul, nil
}
