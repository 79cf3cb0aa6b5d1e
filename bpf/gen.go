package bpf

// The XDP object is built with Debian 12's clang 14 (package clang,
// 1:14.0-55.7~deb12u1) and llvm-strip from package llvm; another clang
// major version emits a different object. check-generate.sh proves the
// committed output current.
//
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -output-dir=$XSENSOR_BPF_OUT -go-package bpf -target bpfel -type xs_stats -type xs_config -type xs_flow_key -type xs_shunt_val -type xs_lpm4 -type xs_lpm6 -type xs_debug -cflags "-O2 -g -Wall -Werror -Wno-compare-distinct-pointer-types -Iinclude" xsensor xsensor.c
