// Package probe is the preflight of a sensor host: the checks behind
// `xsensor diag` (and `xsensor ctl diag`). Run answers, for the host and
// optionally one capture interface, whether what the live sensor needs is
// there: a kernel recent enough for AF_XDP, a usable bpf(2), XDP in driver
// and skb mode, AF_XDP sockets and zero-copy, the RX queue count against
// the planned workers, offloads that change what capture sees (GRO, LRO,
// TSO/GSO), promiscuous mode, the memlock limit, and cores against
// lb_procs and pin_cpus. Every finding that is not ok carries a hint: the
// command or setting that fixes it.
//
// Model. Each check is one function returning Findings; Run calls them in
// a fixed order and never stops early, so an operator sees every problem
// at once. A check that cannot run (no root, no interface) reports that as
// its finding rather than failing the whole run.
//
// Hazards. The XDP and AF_XDP checks touch the interface: they attach a
// trivial XDP_PASS program for an instant and bind a socket to queue 0.
// They refuse to do so when an XDP program is already attached (a running
// sensor), reporting a warning instead, so diag is safe on a live box.
// Checks need root (CAP_BPF, CAP_NET_ADMIN) to say anything about BPF.
package probe
