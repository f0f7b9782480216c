#!/bin/sh
# make package's Debian packages (issue 17): build them with CPack from
# the build directory, unpack them into a scratch root, run the packaged
# shmsim (--version, demo) and read the packaged man pages with man -l.
#
# usage: check_package.sh BUILD_DIR SCRATCH_DIR VERSION
set -eu
build=$1 scratch=$2 version=$3
rm -rf "$scratch"
mkdir -p "$scratch/root"
cpack --config "$build/CPackConfig.cmake" -B "$scratch/out" >"$scratch/cpack.log"
arch=$(dpkg --print-architecture)
for pkg in shmsim shmsim-dev; do
	deb=$scratch/out/${pkg}_${version}_$arch.deb
	[ -f "$deb" ] || { echo "no $deb"; ls "$scratch/out"; exit 1; }
	dpkg-deb --info "$deb" | grep -q "Package: $pkg" ||
	    { echo "$deb: wrong package name"; exit 1; }
	dpkg-deb -x "$deb" "$scratch/root"
done
root=$scratch/root
out=$("$root/usr/bin/shmsim" --version)
echo "$out"
case $out in
"shmsim $version "*) ;;
*) echo "packaged shmsim --version says '$out'"; exit 1 ;;
esac
"$root/usr/bin/shmsim" demo >"$scratch/demo.out"
tail -n 1 "$scratch/demo.out"
grep -q '^[0-9]* passed, 0 failed$' "$scratch/demo.out" ||
    { echo "packaged demo failed"; exit 1; }
for m in man1/shmsim.1 man5/shmsim-scenario.5 man3/shmsim.3; do
	f=$root/usr/share/man/$m
	[ -f "$f" ] || { echo "not packaged: $m"; exit 1; }
	MANWIDTH=80 man -l "$f" 2>"$scratch/man.err" | col -b >"$scratch/man.txt"
	[ ! -s "$scratch/man.err" ] || { cat "$scratch/man.err"; exit 1; }
	head -n 1 "$scratch/man.txt"
	grep -q NAME "$scratch/man.txt" || { echo "$m: no NAME section"; exit 1; }
done
for f in usr/include/shmsim.h usr/lib/libshmsim.a usr/lib/pkgconfig/shmsim.pc \
    usr/lib/cmake/shmsim/shmsimConfig.cmake usr/lib/libshmsim.so.0; do
	[ -e "$root/$f" ] || { echo "not packaged: $f"; exit 1; }
done
echo "package: shmsim and shmsim-dev $version unpack, run and read"
