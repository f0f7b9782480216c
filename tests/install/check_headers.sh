#!/bin/sh
# Each public header compiles alone, with no feature-test macro, as
# C99, C11 and C17 with -pedantic -Wall -Werror, and as C++ (issue 17).
#
# usage: check_headers.sh INCLUDE_DIR CC CXX
set -eu
inc=$1 cc=$2 cxx=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for h in "$inc"/*.h; do
	name=$(basename "$h")
	printf '#include <%s>\nint shmsim_check_%s;\n' "$name" \
	    "$(echo "$name" | tr -c 'a-z0-9\n' _)" >"$tmp/t.c"
	for std in c99 c11 c17; do
		$cc -std=$std -pedantic -Wall -Wextra -Werror -I"$inc" \
		    -c "$tmp/t.c" -o "$tmp/t.o"
		echo "$name: $std ok"
	done
	cp "$tmp/t.c" "$tmp/t.cc"
	$cxx -std=c++11 -pedantic -Wall -Wextra -Werror -I"$inc" \
	    -c "$tmp/t.cc" -o "$tmp/t.o"
	echo "$name: c++11 ok"
done
