#!/bin/sh
# The installable libraries export the shmsim_ API and nothing else
# (issue 17): list the defined global symbols of libshmsim.a and the
# dynamic symbols of libshmsim.so; any name without the prefix fails.
#
# usage: check_exports.sh LIBSHMSIM_A LIBSHMSIM_SO HEADER...
set -eu
a=$1 so=$2
shift 2
fail=0
# Names the sanitizer and coverage runtimes add to instrumented builds
# are theirs, not the model's: allowed, and only those (mangle_path is
# libgcov's, linked into the coverage build's shared library).
tools='^(__asan_|__ubsan_|__tsan_|__gcov_|__llvm_|__sancov_|___asan_|mangle_path$)'
for lib in "$a" "$so"; do
	case $lib in
	*.so*) syms=$(nm -D --defined-only "$lib" | awk 'NF == 3 { print $3 }') ;;
	*) syms=$(nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }') ;;
	esac
	n=0
	for s in $syms; do
		case $s in
		shmsim_*) n=$((n + 1)) ;;
		*)
			if ! echo "$s" | grep -Eq "$tools"; then
				echo "$lib exports $s"
				fail=1
			fi
			;;
		esac
	done
	# Every function the headers declare is there.
	for f in $(sed -n 's/^SHMSIM_EXTERN[^(]*[ *]\(shmsim_[a-z0-9_]*\)(.*/\1/p' "$@"); do
		echo "$syms" | grep -qx "$f" || { echo "$lib lacks $f"; fail=1; }
	done
	echo "$lib: $n shmsim_ symbols"
done
exit $fail
