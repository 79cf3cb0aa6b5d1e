#!/usr/bin/env bash
# check-generate.sh: fail when the committed bpf2go output (xsensor_bpfel.go,
# xsensor_bpfel.o) is not what `go generate` makes from the current sources.
#
# The object depends on the compiler, so the output is pinned to Debian 12's
# clang 14 (package clang 1:14.0-55.7~deb12u1, with llvm-strip from package
# llvm); with another major version the check refuses to compare instead of
# reporting a false diff. Regenerates into a temporary directory: the tree
# is never touched.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$PATH"

pinned=14
have=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9][0-9]*\)\..*/\1/p' | head -n1)
if [ -z "$have" ]; then
	echo "check-generate: clang not found (apt-get install clang llvm)" >&2
	exit 1
fi
if [ "$have" != "$pinned" ]; then
	echo "check-generate: clang $have installed, the committed object is built with clang $pinned (Debian 12 package clang)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
XSENSOR_BPF_OUT="$tmp" go generate .

status=0
for f in xsensor_bpfel.go xsensor_bpfel.o; do
	if ! cmp -s "$f" "$tmp/$f"; then
		echo "check-generate: bpf/$f is stale: run 'make generate' and commit the result" >&2
		status=1
	fi
done
[ "$status" = 0 ] && echo "check-generate: bpf2go output is current"
exit "$status"
