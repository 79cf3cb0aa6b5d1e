// Package captest holds what the privileged tests of capture/xsk and
// capture/afpacket share: a veth pair between two fresh network namespaces
// and recognisable test frames. It is imported by tests only.
package captest
