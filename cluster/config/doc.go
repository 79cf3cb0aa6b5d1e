// Package config reads a cluster's configuration: zeekctl's node.cfg, which
// names the nodes and their roles, and xsensor.cfg, which holds the global
// options (the counterpart of zeekctl.cfg).
//
// # Model
//
// A Cluster is plain data: the nodes in node.cfg order and the global
// Options. Roles are a small enum (Manager, Logger, Proxy, Worker) so that
// role-specific behaviour lives in the role packages and is selected by a
// switch, as Zeek's cluster scripts select by Cluster::NodeType.
//
// node.cfg is parsed the way zeekctl's configparser does: "[name]"
// sections, "key=value" (or "key: value") lines, "#" and ";" comment lines,
// keys case-insensitive, "." in a key equivalent to "_" (so
// af_packet.fanout_id is af_packet_fanout_id). One extension: a " #" after a
// value starts a comment, so "lb_method=xdp   # xdp | af_packet" works as
// DESIGN.md shows it. Every key zeekctl knows is accepted and kept (aux_scripts,
// zeekbase, ether, zone_id, lb_interfaces, env_vars, and the af_packet
// plugin's keys) even where xsensor does not use it, so a Zeek user's file
// loads unchanged; any other key is an error, where zeekctl only warns.
//
// Nodes take consecutive ports in node.cfg order starting at BasePort.
// A worker node with lb_procs=N is one xsensor process with N worker
// goroutines (zeekctl would start N processes), so it takes one port.
//
// xsensor.cfg is "Key = value" lines as in zeekctl.cfg; keys are
// case-insensitive, unknown keys are errors. Durations are whole seconds
// ("3600") or Go durations ("500ms"); byte sizes are bytes or take a K, M
// or G suffix (powers of 1024). Relative paths are relative to the
// directory that holds xsensor.cfg (or node.cfg when xsensor.cfg is
// absent), so every process of a cluster resolves them alike whatever its
// working directory; LogDir and SpoolDir default to "logs" and "spool" in
// that directory.
//
// # Validation
//
// Load reports the first problem it finds as one *Error naming the file,
// line, node and key ("node.cfg:12: worker-1: interface: missing"). It
// checks: exactly one manager; unique node names; a known type and a host
// on every node; an interface on every worker; lb_procs ≥ 1 and lb_method
// given together (as zeekctl requires); pin_cpus entries that exist on the
// machine (LoadOptions.NumCPU, so tests are deterministic), are not
// repeated, and match the node's process count (lb_procs, or 1) because
// xsensor pins one worker goroutine per core; ports within range; and the
// secret rule: without SecretFile every node must be on loopback.
//
// # Hazards
//
//   - Hosts are compared as written: "localhost", 127.0.0.0/8 and ::1 count
//     as loopback; no name is resolved, so the secret rule never depends
//     on DNS.
//   - The secret is read once by Load and kept in Cluster.Secret; callers
//     must not log it.
//   - A Cluster is immutable after Load returns and safe for concurrent
//     readers.
package config
