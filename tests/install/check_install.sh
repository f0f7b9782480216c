#!/bin/sh
# Install the build into a scratch prefix, as a user would, and build
# clients against it (issue 17): one with pkg-config against the shared
# library, one with `pkg-config --static` against the static library
# (from a copy of the prefix without the .so, so the linker cannot pick
# the shared one), and a CMake project with find_package(shmsim) linking
# both.  Every client defines fget and vm_object_allocate itself and
# compiles with -std=c11 -pedantic -Wall -Werror.
#
# usage: check_install.sh SOURCE_DIR BUILD_DIR SCRATCH_DIR CC
set -eu
src=$1 build=$2 scratch=$3 cc=$4
here=$src/tests/install

rm -rf "$scratch"
mkdir -p "$scratch"
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >"$scratch/install.log"

# What a user finds in the prefix.
for f in bin/shmsim include/shmsim.h include/shmsim_explore.h \
    lib/libshmsim.a lib/libshmsim.so lib/pkgconfig/shmsim.pc \
    lib/cmake/shmsim/shmsimConfig.cmake \
    lib/cmake/shmsim/shmsimConfigVersion.cmake \
    share/man/man1/shmsim.1 share/man/man3/shmsim.3 \
    share/man/man5/shmsim-scenario.5; do
	[ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
soname=$(readelf -d "$prefix/lib/libshmsim.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libshmsim.so.0 ] || { echo "SONAME is '$soname'"; exit 1; }
real=$(readlink -f "$prefix/lib/libshmsim.so")
case $real in
*/libshmsim.so.0.*.*) ;;
*) echo "libshmsim.so resolves to $real, not libshmsim.so.0.N.M"; exit 1 ;;
esac
"$prefix/bin/shmsim" --version

flags="-std=c11 -pedantic -Wall -Wextra -Werror"

# pkg-config, shared library.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046,SC2086
$cc $flags -o "$scratch/client_pc" "$here/client.c" \
    $(pkg-config --cflags --libs shmsim) -Wl,-rpath,"$prefix/lib"
ldd "$scratch/client_pc" | grep -q "libshmsim.so.0 => $prefix/lib/" ||
    { echo "client_pc does not load the installed libshmsim.so.0"; exit 1; }
"$scratch/client_pc"

# pkg-config --static, static library only.
static=$scratch/static-prefix
cp -R "$prefix" "$static"
rm -f "$static"/lib/libshmsim.so*
export PKG_CONFIG_PATH="$static/lib/pkgconfig"
# shellcheck disable=SC2046,SC2086
$cc $flags -o "$scratch/client_pc_static" "$here/client.c" \
    $(pkg-config --cflags --libs --static shmsim)
if ldd "$scratch/client_pc_static" | grep -q libshmsim; then
	echo "client_pc_static loads a shared libshmsim"; exit 1
fi
"$scratch/client_pc_static"
unset PKG_CONFIG_PATH

# find_package(shmsim).
mkdir -p "$scratch/project"
cp "$here/client.c" "$scratch/project/client.c"
cp "$here/client-project.cmake.txt" "$scratch/project/CMakeLists.txt"
cmake -S "$scratch/project" -B "$scratch/project/build" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_RPATH="$prefix/lib" >"$scratch/project.log"
cmake --build "$scratch/project/build" >>"$scratch/project.log"
"$scratch/project/build/client_shared"
"$scratch/project/build/client_static"
echo "install: prefix, pkg-config (shared, static) and find_package clients pass"
