#!/bin/sh
# The whole ctest suite once under valgrind memcheck, on the default
# (non-ASan: valgrind cannot run ASan binaries) gcc Debug build.
#
# usage: tests/valgrind.sh [BUILD_DIR [CTEST_ARGS...]]
#        BUILD_DIR defaults to build/default, the default preset's folder
#        (configured with that preset, so a `make test` build is reused);
#        CTEST_ARGS are passed on, e.g. -L unit for the unit tests only.
#
# Every test command runs under memcheck with --error-exitcode, so any
# invalid access, use of uninitialised memory or definite/possible leak
# fails that test; --trace-children=yes follows the tests that are
# `cmake -P` scripts into the shmsim processes they start.  The host
# tests (label host) are run differently, at the end.  The script
# also fails when ctest's own scan of the memcheck logs reports a defect.
# Tests labelled python are left out: memcheck would trace the Python
# interpreter rather than shmsim (which the other tests cover).
# Logs: BUILD_DIR/Testing/Temporary/MemoryChecker.<test number>.log
# The tests labelled "replay", "install" and "package" are left out:
# they build a copy of the tree or a client, or a package, and memcheck
# would follow into every compiler and packager they run; what they run
# of the model, the other tests run too.  So are "fix" (a patched copy of
# the model exploring what explore/ explores), "repro" (a threaded host
# program, not the model), "mutate" (Python) and "slow" (every scenario
# again, as a page).  The rest is the whole suite.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/default}
[ $# -gt 0 ] && shift
valgrind=$(command -v valgrind) || {
	echo "valgrind.sh: valgrind is not installed" \
	    "(sudo apt-get install valgrind)" >&2
	exit 2
}

# The default preset: gcc, Debug (INVARIANTS), no sanitizer.  Every
# test's TIMEOUT times 4 for the run (cmake/test_timeouts.cmake): the
# longest tests take 3 to 4 of their 5 minutes under memcheck, alone;
# the build folder gets its usual timeouts back on the way out.
(cd "$src" && cmake --preset default -B "$build" \
    -DSHMSIM_TEST_TIMEOUT_SCALE=4 >/dev/null)
trap 'cmake -B "$build" -DSHMSIM_TEST_TIMEOUT_SCALE=1 >/dev/null' EXIT
cmake --build "$build"

opts="--error-exitcode=99 --leak-check=full"
opts="$opts --show-leak-kinds=definite,possible"
opts="$opts --errors-for-leak-kinds=definite,possible"
opts="$opts --trace-children=yes --num-callers=30"
# Not the programs shmsim run --html starts (Graphviz's dot), nor the
# browser test's (label browser, left out below: Python, Chromium).
opts="$opts --trace-children-skip=*/dot,*/python3*,*/chromedriver,*/chromium*"
opts="$opts --suppressions=$src/tests/valgrind.supp"

log=$build/valgrind-ctest.log
rc=0
ctest --test-dir "$build" -T memcheck \
    --overwrite "MemoryCheckCommand=$valgrind" \
    --overwrite "MemoryCheckCommandOptions=$opts" \
    --output-on-failure --no-tests=error -j2 -LE 'host|browser|python|replay|install|package|fix|repro|mutate|slow' "$@" 2>&1 |
    tee "$log" || rc=1
# ctest exits non-zero when a test failed; the pipe hides its status.
grep -q "^100% tests passed" "$log" || rc=1
# "Memory checking results:" is followed by one "KIND - N" line per kind
# of defect found in the logs; none may appear.
if sed -n '/^Memory checking results:/,$p' "$log" |
    grep -E '^[A-Za-z ]+ - [0-9]+$'; then
	echo "valgrind.sh: memcheck reported defects" >&2
	rc=1
fi
# The host tests (label host) run shell scripts, compilers and kyua, and
# one makes a process unmap its whole address space, which valgrind does
# not allow: instead the host runner itself runs here, every process it
# forks followed (exit status 99: a defect).
for cmd in "run --host --quiet" "diff" "export --atf"; do
	st=0
	# shellcheck disable=SC2086
	"$valgrind" -q $opts "$build/shmsim" $cmd \
	    "$src"/tests/scenarios/posix/*.shm "$src/tests/host/par.shm" \
	    "$src/tests/host/model_only.shm" >/dev/null \
	    2>"$build/valgrind-host.log" || st=$?
	# A forked process's findings reach only the log (a process that
	# dropped root cannot remove valgrind's vgdb pipes: not a defect).
	if [ $st -eq 99 ] || grep -v "vgdb" "$build/valgrind-host.log" |
	    grep -q "^==[0-9]*=="; then
		echo "valgrind.sh: memcheck reported defects in shmsim $cmd:" >&2
		cat "$build/valgrind-host.log" >&2
		rc=1
	fi
done
[ $rc -eq 0 ] && echo "valgrind.sh: the suite ran clean under memcheck"
exit $rc
