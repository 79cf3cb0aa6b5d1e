// Package ctl is the control tool's engine (zeekctl's verbs) for the
// nodes of a cluster that run on this host.
//
// # Model
//
// Start launches each local node as a child process of the xsensor
// binary ("xsensor ROLE --node NAME -c NODECFG"), detached from ctl (its
// own session, stdin from /dev/null, stdout and stderr appended to
// SpoolDir/<node>/stderr.log) and records its pid in SpoolDir/<node>/pid.
// Nodes start in the order the architecture needs — manager, loggers,
// proxies, workers — and each must be ready before the next starts: a
// listening role when its port accepts a connection, a worker when it
// has written SpoolDir/<node>/ready. A node that exits while starting
// fails Start with the last line of its stderr.log.
//
// Stop signals the nodes in reverse order (SIGTERM, then SIGKILL after
// StopTimeout) and removes their pid files. Status asks the manager
// (a StatusRequest over the wire) and falls back to pid files for nodes
// the manager does not report.
//
// # Hazards
//
//   - A pid file names a process only while /proc/PID/cmdline still
//     names the node: a recycled pid is never signalled.
//   - "This host" means a loopback host, the machine's host name, or an
//     address of one of its interfaces; names are not resolved.
//   - Functions are not safe to run concurrently on the same SpoolDir.
package ctl
