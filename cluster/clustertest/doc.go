// Package clustertest builds what cluster tests need: small synthetic
// traces (TCP handshakes between given hosts, SYN scans) written as pcap
// files, and a loopback cluster configuration in a temporary directory.
// The multi-process acceptance tests of the cluster live here too; they
// run the xsensor binary built from the tree ($XSENSOR_BIN overrides),
// one process per node, signalled and killed by the test
// (harness_test.go):
//
//   - TestIntegration: manager, logger, 2 proxies, 2 workers replaying
//     different traces; conn.log equals single-process replays (as
//     multisets, uid and tunnel_parents aside); known hosts and services
//     once each; the scan both workers see is one notice; stats.log
//     from both workers.
//   - TestLoggerKill9, TestProxyStopped, TestWrongSecret,
//     TestStoppedLogger: the fault tests (fault_test.go).
//   - TestCtlCluster: the same cluster through `xsensor ctl`.
//   - TestMetricsEndpoints: every role's Prometheus endpoint at
//     MetricsPort + its node.cfg index (metrics_test.go).
package clustertest
