package config

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// zeekctl's node keys (ZeekControl/node.py) and the af_packet plugin's.
// "count" is internal to zeekctl but accepted in the file; it is ignored.
var pluginKeys = map[string]bool{
	"af_packet_fanout_id":   true,
	"af_packet_fanout_mode": true,
	"af_packet_buffer_size": true,
}

type rawKey struct {
	key, val string
	line     int
}

type rawSection struct {
	name string
	line int
	keys []rawKey
}

// maxNameLen bounds node names: they travel in the wire handshake (one
// length byte) and name spool directories.
const maxNameLen = 64

// parseINI splits node.cfg into sections, the way zeekctl's configparser
// reads it (see doc.go). It checks syntax only.
func parseINI(file string, data []byte) ([]rawSection, error) {
	var secs []rawSection
	seen := map[string]int{}
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
		if s == "" || s[0] == '#' || s[0] == ';' {
			continue
		}
		if s[0] == '[' {
			end := strings.IndexByte(s, ']')
			if end < 0 || strings.TrimSpace(s[end+1:]) != "" && !isComment(s[end+1:]) {
				return nil, &Error{File: file, Line: lineNo, Msg: fmt.Sprintf("malformed section header %q (want [name])", s)}
			}
			name := strings.TrimSpace(s[1:end])
			if err := checkName(name); err != nil {
				return nil, &Error{File: file, Line: lineNo, Msg: err.Error()}
			}
			if prev, dup := seen[name]; dup {
				return nil, &Error{File: file, Line: lineNo, Node: name, Msg: fmt.Sprintf("duplicate node name (first defined at line %d)", prev)}
			}
			seen[name] = lineNo
			secs = append(secs, rawSection{name: name, line: lineNo})
			continue
		}
		i := strings.IndexAny(s, "=:")
		if i < 0 {
			return nil, &Error{File: file, Line: lineNo, Msg: fmt.Sprintf("syntax error in %q (want key=value)", s)}
		}
		key := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s[:i])), ".", "_")
		val := stripComment(strings.TrimSpace(s[i+1:]))
		if key == "" {
			return nil, &Error{File: file, Line: lineNo, Msg: fmt.Sprintf("empty key in %q", s)}
		}
		if len(secs) == 0 {
			return nil, &Error{File: file, Line: lineNo, Key: key, Msg: "key outside any [node] section"}
		}
		sec := &secs[len(secs)-1]
		for _, k := range sec.keys {
			if k.key == key {
				return nil, &Error{File: file, Line: lineNo, Node: sec.name, Key: key, Msg: fmt.Sprintf("set twice (first at line %d)", k.line)}
			}
		}
		sec.keys = append(sec.keys, rawKey{key: key, val: val, line: lineNo})
	}
	return secs, nil
}

func isComment(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || s[0] == '#' || s[0] == ';'
}

// stripComment removes a trailing " # comment" from a value.
func stripComment(v string) string {
	for i := 1; i < len(v); i++ {
		if v[i] == '#' && (v[i-1] == ' ' || v[i-1] == '\t') {
			return strings.TrimSpace(v[:i])
		}
	}
	return v
}

func checkName(name string) error {
	if name == "" {
		return fmt.Errorf("empty node name in section header")
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("node name %.20q… is longer than %d bytes", name, maxNameLen)
	}
	for _, c := range []byte(name) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return fmt.Errorf("node name %q may hold only letters, digits, '-', '_' and '.'", name)
		}
	}
	if name == "." || name == ".." {
		return fmt.Errorf("node name %q is not allowed", name)
	}
	return nil
}

// buildNode turns one section into a Node, checking each key on its own.
// Cross-key and cross-node rules are in validate.
func buildNode(file string, sec *rawSection) (Node, error) {
	n := Node{Name: sec.name, File: file, Line: sec.line, LBProcs: 1, lines: make(map[string]int, len(sec.keys))}
	bad := func(k rawKey, format string, args ...any) error {
		return &Error{File: file, Line: k.line, Node: sec.name, Key: k.key, Msg: fmt.Sprintf(format, args...)}
	}
	haveType := false
	for _, k := range sec.keys {
		n.lines[k.key] = k.line
		switch k.key {
		case "type":
			if err := n.Role.UnmarshalText([]byte(k.val)); err != nil {
				return n, bad(k, "%v", err)
			}
			if n.Role == Control {
				return n, bad(k, "unknown node type %q (want manager, logger, proxy or worker)", k.val)
			}
			haveType = true
		case "host":
			if k.val == "" || strings.ContainsAny(k.val, " \t/") {
				return n, bad(k, "invalid host %q", k.val)
			}
			n.Host = k.val
		case "interface":
			src, err := ParseSource(k.val)
			if err != nil {
				return n, bad(k, "%v", err)
			}
			n.Interface = src
		case "lb_method":
			if err := n.LBMethod.UnmarshalText([]byte(k.val)); err != nil {
				return n, bad(k, "%v", err)
			}
		case "lb_procs":
			v, err := strconv.Atoi(k.val)
			if err != nil || v < 1 || v > 1024 {
				return n, bad(k, "%q is not a number of processes between 1 and 1024", k.val)
			}
			n.LBProcs = v
		case "lb_interfaces":
			for _, f := range strings.Split(k.val, ",") {
				if f = strings.TrimSpace(f); f == "" {
					return n, bad(k, "empty interface name in %q", k.val)
				}
				n.LBInterfaces = append(n.LBInterfaces, strings.TrimSpace(f))
			}
		case "pin_cpus":
			if k.val == "" {
				continue
			}
			seen := map[int]bool{}
			for _, f := range strings.Split(k.val, ",") {
				c, err := strconv.Atoi(strings.TrimSpace(f))
				if err != nil || c < 0 {
					return n, bad(k, "%q: CPU numbers must be non-negative integers", k.val)
				}
				if seen[c] {
					return n, bad(k, "CPU %d listed twice", c)
				}
				seen[c] = true
				n.PinCPUs = append(n.PinCPUs, c)
			}
		case "env_vars":
			if k.val == "" {
				continue
			}
			for _, kv := range strings.Split(k.val, ",") {
				key, val, ok := strings.Cut(kv, "=")
				key = strings.TrimSpace(key)
				if !ok || key == "" {
					return n, bad(k, "%q is not NAME=value", strings.TrimSpace(kv))
				}
				n.EnvVars = append(n.EnvVars, EnvVar{Key: key, Value: strings.TrimSpace(val)})
			}
		case "aux_scripts":
			n.AuxScripts = k.val
		case "zeekbase", "brobase":
			n.ZeekBase = k.val
		case "ether":
			n.Ether = k.val
		case "zone_id":
			n.ZoneID = k.val
		case "count":
			// zeekctl-internal; accepted and ignored as zeekctl does.
		default:
			if !pluginKeys[k.key] {
				return n, bad(k, "unknown key (zeekctl's keys are type, host, interface, lb_method, lb_procs, lb_interfaces, pin_cpus, env_vars, aux_scripts, zeekbase, ether, zone_id)")
			}
			if n.Plugin == nil {
				n.Plugin = map[string]string{}
			}
			n.Plugin[k.key] = k.val
		}
	}
	if !haveType {
		return n, &Error{File: file, Line: sec.line, Node: sec.name, Key: "type", Msg: "missing"}
	}
	if n.Host == "" {
		return n, &Error{File: file, Line: sec.line, Node: sec.name, Key: "host", Msg: "missing"}
	}
	return n, nil
}
