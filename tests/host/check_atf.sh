#!/bin/sh
# shmsim export --atf (ctest host/atf): the portable suite exported as
# one ATF program, compiled against atf-c (pkg-config atf-c), run by
# kyua: every case passes and no name is left in /dev/shm.  Then a
# scenario with a wrong expectation: its case must fail.
#   check_atf.sh SHMSIM SCENARIO_DIR CC
set -u
SHMSIM=$1
DIR=$2
CC=${3:-cc}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}
# Without the tools (make deps installs them): skipped, exit 77.
for tool in kyua pkg-config; do
	command -v $tool >/dev/null || {
		echo "SKIP: $tool is missing (apt-get install kyua libatf-dev)"
		exit 77
	}
done
pkg-config --exists atf-c || {
	echo "SKIP: atf-c is missing (apt-get install libatf-dev)"
	exit 77
}

"$SHMSIM" export --atf -o "$TMP/shmsim_test.c" "$DIR"/*.shm ||
	fail "export failed"
# shellcheck disable=SC2046
$CC -Wall -Wextra -Werror -o "$TMP/shmsim_test" "$TMP/shmsim_test.c" \
    $(pkg-config --cflags --libs atf-c) -lpthread || fail "the export does not compile"
printf 'syntax(2)\ntest_suite("shmsim")\natf_test_program{name="shmsim_test"}\n' \
    >"$TMP/Kyuafile"
n=$(ls "$DIR"/*.shm | wc -l)
(cd "$TMP" && HOME="$TMP" kyua test) >"$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
[ $rc = 0 ] || fail "kyua test: exit $rc"
grep -q "^$n/$n passed (0 failed)" "$TMP/out" || fail "not all $n cases passed"
[ "$(ls /dev/shm | grep -c '^shmsim_atf_')" = 0 ] || fail "names left in /dev/shm"

# A wrong expectation fails its case (and the cleanup still runs).
sed 's/=> "hello"/=> "jello"/' "$DIR/create_open.shm" >"$TMP/wrong.shm"
"$SHMSIM" export --atf -o "$TMP/w.c" "$TMP/wrong.shm" || fail "export failed"
$CC -o "$TMP/shmsim_test" "$TMP/w.c" $(pkg-config --cflags --libs atf-c) \
    -lpthread || fail "the wrong export does not compile"
(cd "$TMP" && HOME="$TMP" kyua test) >"$TMP/out" 2>&1
grep -q "wrong  ->  failed: .*line 17" "$TMP/out" || {
	cat "$TMP/out"
	fail "a wrong expectation passed"
}
[ "$(ls /dev/shm | grep -c '^shmsim_atf_')" = 0 ] || fail "names left after a failed case"
# What a host cannot run skips the case, with the reason; a par block
# runs concurrently, and either outcome of its race passes.
"$SHMSIM" export --atf -o "$TMP/m.c" "$DIR/../../host/model_only.shm" \
    "$DIR/../../host/par.shm" || fail "export failed"
$CC -o "$TMP/shmsim_test" "$TMP/m.c" $(pkg-config --cflags --libs atf-c) \
    -lpthread || fail "the model_only export does not compile"
(cd "$TMP" && HOME="$TMP" kyua test) >"$TMP/out" 2>&1
grep -q "model_only  ->  skipped: line 3: jails are not exported" "$TMP/out" &&
    grep -q "par  ->  passed" "$TMP/out" || {
	cat "$TMP/out"
	fail "model_only not skipped or par not passed"
}
grep -q "/\* (model only: left out) \*/" "$TMP/m.c" ||
	fail "no comment for a model-only statement"
echo "atf export: all checks passed"
