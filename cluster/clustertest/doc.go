// Package clustertest builds what cluster tests need: small synthetic
// traces (TCP handshakes between given hosts, SYN scans) written as pcap
// files, and a loopback cluster configuration in a temporary directory.
// The multi-process acceptance tests of the cluster live here too
// (cluster_test.go); they run the xsensor binary built from the tree.
package clustertest
