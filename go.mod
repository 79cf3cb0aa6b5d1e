module xsensor

go 1.26.0

require (
	github.com/cilium/ebpf v0.22.0
	github.com/google/gopacket v1.1.19
	golang.org/x/sys v0.50.0
)

require github.com/klauspost/compress v1.20.4 // indirect
