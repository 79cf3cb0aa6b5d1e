// Package dpd is dynamic protocol detection as Zeek does it: which
// analyzer a connection gets, from its responder port (Zeek's
// Analyzer::register_for_ports in each protocol's main.zeek) or from its
// first payload bytes (the DPD signatures in
// scripts/base/protocols/*/dpd.sig), and the service names conn.log
// shows once an analyzer confirms its protocol.
//
// Zeek attaches port-registered analyzers when the connection starts and
// signature-enabled ones when a signature matches; a service enters
// conn.log only on analyzer_confirmation, never on a port guess. This
// package holds the tables and matchers; the worker holds the per
// connection state and calls them on the first bytes of each direction.
//
// Only the protocols xsensor analyses are known here: DNS, HTTP, TLS and
// QUIC (whose port and signature live in analyzer/quic), plus the UDP
// tunnel services the decoder confirms and a few services confirmed from
// content without an analyzer (lite.go).
//
// Concurrency: everything here is immutable after init and safe for
// concurrent use.
package dpd
