// Package topology builds the small test networks that privileged tests
// and benchmarks run on: a network namespace holding one end of a veth
// pair (the "tap" side, where traffic is generated) and the other end in
// the caller's namespace (the sensor side). It shells out to iproute2's
// ip(8), as an operator would, and removes everything it made on Close.
//
// Only addresses inside the namespaces it creates are ever used; nothing
// leaves the machine.
package topology
