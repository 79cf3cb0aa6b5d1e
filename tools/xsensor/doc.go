// Command xsensor is the one binary of the xsensor sensor appliance: replay
// of pcap files, the live sensor, the cluster roles, the control tool, the
// benchmarks and capacity sizing. See DESIGN.md's CLI contract; the
// subcommands are dispatched in main.go, one file per subcommand.
package main
