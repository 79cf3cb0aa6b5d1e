// Package ctl is the control tool's engine: zeekctl's verbs (check,
// deploy, start, stop, restart, status, netstats, capstats) for the
// nodes of a cluster, on this host and on others.
//
// # Model
//
// Every verb acts on the selected nodes (Options.Node, or all) in start
// order — manager, loggers, proxies, workers — or its reverse for stop.
// A node whose host= is this machine (or every node, with
// Options.Local) is handled here; a node on another host is handled by
// ctl on that host, reached through the system's ssh client
// (Remote: `ssh HOST xsensor ctl -c NODECFG --local --node NAME VERB`,
// argv built here, every word quoted for the remote shell, no local
// shell).
//
// Start launches a local node as a child process of the xsensor binary
// ("xsensor ROLE --node NAME -c NODECFG"), detached from ctl (its own
// session, stdin from /dev/null, stdout and stderr appended to
// SpoolDir/<node>/stderr.log) and records its pid in
// SpoolDir/<node>/pid. Each node must be ready before the next starts: a
// listening role when its port accepts a connection, a worker when it
// has written SpoolDir/<node>/ready. A node that exits while starting
// fails Start with the last line of its stderr.log. Before starting
// anything, Start checks every local node (Check's interface checks), so
// a missing interface starts nothing.
//
// Stop signals the nodes in reverse order (SIGTERM, then SIGKILL after
// StopTimeout) and removes their pid files. Status asks the manager (a
// StatusRequest over the wire) and merges its answer with local pid
// files. netstats and capstats read each worker's
// SpoolDir/<node>/stats.json (cluster/node's Stats, rewritten every
// StatsInterval); capstats takes rates between two successive files, or
// the average since start when the file does not change within the
// window. Deploy installs the binary and configuration on every host
// (scp, then one ssh mv) and restarts the nodes.
//
// Load reads the configuration as config.LoadFiles does, but checks
// pin_cpus against this machine's cores only for the nodes that run here.
//
// # Hazards
//
//   - A pid file names a process only while /proc/PID/cmdline still
//     names the node: a recycled pid is never signalled.
//   - "This host" means a loopback host, the machine's host name, or an
//     address of one of its interfaces; names are not resolved.
//   - ssh must authenticate without a prompt (BatchMode=yes): keys or an
//     agent. A remote failure is reported with ssh's last stderr line.
//   - stats.json carries the capture path's counters only as far as
//     cluster/node fills them (see its doc); netstats shows what is there.
//   - Functions are not safe to run concurrently on the same SpoolDir.
package ctl
