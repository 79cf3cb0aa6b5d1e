#!/usr/bin/env bash
# Package a built xsensor binary: a tarball and a .deb.
#
#   tools/dist/build.sh BIN VERSION ARCH OUTDIR
#
# BIN must be static (CGO_ENABLED=0; the XDP object is embedded by
# bpf2go). Writes OUTDIR/xsensor_VERSION_ARCH.tar.gz (the install tree
# under xsensor_VERSION_ARCH/) and OUTDIR/xsensor_VERSION_ARCH.deb.
# Needs dpkg-deb (package dpkg) and tar.
set -euo pipefail

if [ $# -ne 4 ]; then
	echo "usage: $0 BIN VERSION ARCH OUTDIR" >&2
	exit 2
fi
bin=$1 version=$2 arch=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
command -v dpkg-deb >/dev/null || { echo "dpkg-deb not found: apt-get install dpkg" >&2; exit 1; }
[ -x "$bin" ] || { echo "$bin: not an executable" >&2; exit 1; }
case "$version" in
[0-9]*) ;;
*) echo "version $version: must start with a digit (Debian policy)" >&2; exit 1 ;;
esac

name="xsensor_${version}_${arch}"
mkdir -p "$out"
stage=$(mktemp -d "$out/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"

# The install tree.
install -D -m 0755 "$bin" "$root/usr/bin/xsensor"
for u in "$here"/systemd/*; do
	install -D -m 0644 "$u" "$root/lib/systemd/system/$(basename "$u")"
done
install -D -m 0644 "$here/etc/node.cfg" "$root/etc/xsensor/node.cfg"
install -D -m 0644 "$here/etc/xsensor.cfg" "$root/etc/xsensor/xsensor.cfg"
install -D -m 0644 "$here/etc/default.xsensor" "$root/etc/default/xsensor"
for doc in README.md ARCHITECTURE.md LICENSE; do
	if [ -f "$repo/$doc" ]; then
		install -D -m 0644 "$repo/$doc" "$root/usr/share/doc/xsensor/$doc"
	fi
done

# The tarball: the tree under one directory, owned by root.
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$stage" -czf "$out/$name.tar.gz.tmp" "$name"

# The .deb: the same tree plus DEBIAN/.
mkdir -p "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" "$here/debian/control.in" >"$root/DEBIAN/control"
install -m 0644 "$here/debian/conffiles" "$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do
	install -m 0755 "$here/debian/$s" "$root/DEBIAN/$s"
done
dpkg-deb --root-owner-group -Zgzip --build "$root" "$out/$name.deb.tmp" >/dev/null

# Rename last: nothing half-written is left under the final names.
mv "$out/$name.tar.gz.tmp" "$out/$name.tar.gz"
mv "$out/$name.deb.tmp" "$out/$name.deb"
echo "$out/$name.tar.gz"
echo "$out/$name.deb"
