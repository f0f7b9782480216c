#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build script: the three fuzz targets of
# fuzz/ (docs/fuzzing.md) into $OUT, with their dictionaries and seed
# corpora, following the OSS-Fuzz conventions:
#
#   $CC, $CFLAGS           compiler and flags (sanitizer, coverage)
#   $LIB_FUZZING_ENGINE    the engine to link (-fsanitize=fuzzer)
#   $OUT                   where fuzz_TARGET, fuzz_TARGET.dict and
#                          fuzz_TARGET_seed_corpus.zip go
#   $SRC, $WORK            the sources ($SRC/shmsim) and a scratch dir
#
# Run by hand (docs/fuzzing.md, "ClusterFuzzLite"):
#   CC=clang CFLAGS='-fsanitize=address,fuzzer-no-link' \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/cflout SRC=DIR \
#   .clusterfuzzlite/build.sh        (DIR/shmsim being the tree)

# Two flavours, as the CMake presets (docs/fuzzing.md, "Speed"):
#   SANITIZER=address (or unset)  the `fuzz` preset: ASan (+ UBSan if
#                                 $CFLAGS asks), the auditor, INVARIANTS
#   SANITIZER=undefined           the `fuzz-fast` preset: UBSan in trap
#                                 mode, no ASan, several times faster
# A ClusterFuzzLite workflow builds both with its sanitizer matrix
# (sanitizer: [address, undefined]).  Either way the auditor, the dump,
# the lock layer and FNV hashing are not instrumented for coverage
# (fuzz/coverage-ignore.txt; CMakeLists.txt adds the flag to the
# libraries' build).
if [ "${SANITIZER:-address}" = undefined ]; then
	CFLAGS="$CFLAGS -fsanitize=undefined -fsanitize-trap=undefined"
fi

src=${SHMSIM_SRC:-$SRC/shmsim}
work=${WORK:-$(mktemp -d)}
build=$work/shmsim-build
mkdir -p "$OUT" "$build"

# The libraries, with the engine's flags (-fsanitize=fuzzer-no-link and
# the sanitizer: CMake's compiler check links without the engine).
# Warnings stay warnings: the engine's flags are not ours to vet.
cmake -S "$src" -B "$build" -G Ninja \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" \
    -DCMAKE_BUILD_TYPE=Debug -DSHMSIM_BUILD_TESTS=OFF -DSHMSIM_WERROR=OFF
cmake --build "$build" --target shmsim_scenario

# The fuzz targets, linked with the engine.
defs="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DINVARIANTS"
incs="-I$src/include -I$src/src -I$src/tools/shmsim $(pkg-config --cflags libbsd)"
libs="$build/libshmsim_scenario.a $build/libshmsim-internal.a $(pkg-config --libs libbsd) -lpthread"
for t in names syscalls scenario; do
	# shellcheck disable=SC2086
	$CC $CFLAGS $defs $incs -c "$src/fuzz/fuzz_$t.c" -o "$work/fuzz_$t.o"
	# shellcheck disable=SC2086
	$CC $CFLAGS $defs -c "$src/fuzz/asan_options.c" -o "$work/asan_options.o"
	# shellcheck disable=SC2086
	$CC $CFLAGS $LIB_FUZZING_ENGINE "$work/fuzz_$t.o" "$work/asan_options.o" \
	    $libs -o "$OUT/fuzz_$t"
	cp "$src/fuzz/$t.dict" "$OUT/fuzz_$t.dict"
	rm -f "$OUT/fuzz_${t}_seed_corpus.zip"
	for d in corpus regress; do
		if [ -d "$src/fuzz/$d/$t" ] &&
		    [ -n "$(ls -A "$src/fuzz/$d/$t")" ]; then
			(cd "$src/fuzz/$d/$t" &&
			    zip -q -r "$OUT/fuzz_${t}_seed_corpus.zip" .)
		fi
	done
done
