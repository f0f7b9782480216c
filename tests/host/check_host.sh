#!/bin/sh
# The host runner's own tests (ctest host/runner): bad input, skipped
# statements, a dying and a hung process, a par block, and that nothing
# is left in /dev/shm, also after an interrupted run.  What the host
# lacks, and the diff rows, are Linux's: the suite runs on Linux.
#   check_host.sh SHMSIM DIR
set -u
SHMSIM=$1
DIR=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# expect STATUS REGEX CMD...: exit status and output (stdout + stderr).
expect() {
	status=$1
	regex=$2
	shift 2
	"$@" >"$TMP/out" 2>&1
	rc=$?
	[ "$rc" = "$status" ] || fail "$*: exit $rc, expected $status"
	grep -Eq -- "$regex" "$TMP/out" ||
		fail "$*: output does not match '$regex'"
	[ "$rc" = "$status" ] && grep -Eq -- "$regex" "$TMP/out" ||
		sed 's/^/    /' "$TMP/out"
}

leftovers() {
	ls /dev/shm 2>/dev/null | grep -c "^shmsim\.$1\." || true
}

# Bad input: exit 2 and a message, nothing run.
expect 2 "timeout wants seconds" "$SHMSIM" run --host --timeout 0 "$DIR/par.shm"
expect 2 "timeout wants seconds" "$SHMSIM" run --host --timeout x "$DIR/par.shm"
expect 2 "needs SECONDS" "$SHMSIM" run --host --timeout
expect 2 "goes with --host" "$SHMSIM" run --timeout 3 "$DIR/par.shm"
expect 2 "needs the model" "$SHMSIM" run --host --dot /dev/null "$DIR/par.shm"
expect 2 "usage:" "$SHMSIM" run --host
expect 2 "No such file" "$SHMSIM" run --host "$TMP/none.shm"
printf 'spawn p\np: bogus(1)\n' >"$TMP/bad.shm"
expect 2 "bad.shm:2:[0-9]+: error" "$SHMSIM" run --host "$TMP/bad.shm"
expect 2 "usage:" "$SHMSIM" diff
expect 2 "unknown option" "$SHMSIM" diff --frob "$DIR/par.shm"
expect 2 "bad.shm:2:[0-9]+: error" "$SHMSIM" diff "$TMP/bad.shm"
expect 2 "needs a format" "$SHMSIM" export "$DIR/par.shm"
expect 2 "usage:" "$SHMSIM" export --atf
expect 2 "bad.shm:2:[0-9]+: error" "$SHMSIM" export --atf "$TMP/bad.shm"
expect 2 "needs a FILE" "$SHMSIM" export --atf -o

# Skipped, each with its reason; not failures.
expect 0 "2 passed, 0 failed, 13 skipped" "$SHMSIM" run --host "$DIR/model_only.shm"
for w in "state => names=1  # not applicable" "audit  # not applicable" \
    "pageout  # not applicable" "dump  # not applicable" \
    "fault page_alloc 1 once  # not applicable" \
    "page_sizes=4K,2M  # not applicable" \
    "# unsupported on this host: shm_rename" \
    "# unsupported on this host: SHM_ANON" \
    "# unsupported on this host: fspacectl" \
    "# unsupported on this host: shm_open2" \
    "jail web  # unsupported on this host: jails" \
    "w: shm_open.*# not run: w is not run here"; do
	grep -q -- "$w" "$TMP/out" || fail "model_only: no '$w'"
done

# Without root, a scenario that sets credentials is skipped, with the
# reason; the others run as the runner's user.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	expect 0 "permissions.shm: skipped: setting uid, gid or groups needs root" \
	    setpriv --reuid=65534 --regid=65534 --clear-groups "$SHMSIM" run \
	    --host "$DIR/../scenarios/posix/permissions.shm" \
	    "$DIR/../scenarios/posix/create_open.shm"
	grep -q "^18 passed, 0 failed, 1 skipped" "$TMP/out" ||
		fail "no root: not 18 passed, 1 skipped"
fi

# A process that dies: its signal, and the run goes on.
expect 1 "died of signal 11" "$SHMSIM" run --host "$DIR/died.shm"
grep -q "close(0)  # not run: p is dead" "$TMP/out" || fail "died: p's next call"
grep -q 'q: shm_open("/died", O_RDONLY, 0) => 0  # = 0' "$TMP/out" ||
	fail "died: q did not go on"

# A process that hangs is killed after --timeout.
start=$(date +%s)
expect 1 "hang.shm:6: FAIL: process p: no answer in 1 s: killed" \
    env SHMSIM_TEST_HANG_LINE=6 "$SHMSIM" run --host --timeout 1 \
    "$DIR/hang.shm"
grep -q "fstat(0) => size=0  # = size=0" "$TMP/out" || fail "hang: q did not go on"
[ $(($(date +%s) - start)) -lt 8 ] || fail "hang: the timeout took too long"

# A par block reports the outcome that happened; one of the two won.
expect 0 "3 passed, 0 failed" "$SHMSIM" run --host "$DIR/par.shm"
grep -c "(outcome 1 of 2)" "$TMP/out" | grep -q "^1$" || fail "par: not one winner"
grep -c "(outcome 2 of 2)" "$TMP/out" | grep -q "^1$" || fail "par: not one loser"

# diff: exit 0 when every call agrees, 1 when one differs, marked '!'
# with its two answers and the fstat field that differs; calls the host
# does not run are '~' and do not count.
expect 0 "18 calls: 18 same, 0 differ, 0 not compared" \
    "$SHMSIM" diff "$DIR/../scenarios/posix/create_open.shm"
expect 1 "differs: mode" "$SHMSIM" diff "$DIR/../scenarios/mode.shm"
grep -q '^!    7  p: fstat(b) => mode=0755' "$TMP/out" || fail "diff: no '!' row"
grep -q '^          host:  = size=0 mode=7755' "$TMP/out" || fail "diff: no host answer"
grep -q '^~   15  p: shm_open(SHM_ANON' "$TMP/out" || fail "diff: no '~' row"
expect 1 "^\| [^ ]*/mode.shm:7 \| p: fstat\(b\) => mode=0755 \|" \
    "$SHMSIM" diff --markdown "$DIR/../scenarios/mode.shm"

# Nothing is left in /dev/shm: a normal run ...
"$SHMSIM" run --host "$DIR/../scenarios/posix/permissions.shm" "$DIR/hang.shm" \
    >"$TMP/out" 2>&1
pid=$(sed -n 's/.*names \/shmsim\.\([0-9]*\)\..*/\1/p' "$TMP/out" | head -1)
[ -n "$pid" ] || fail "no prefix in the trace"
[ "$(leftovers "$pid")" = 0 ] || fail "names left after a run"
# ... and runs interrupted by SIGINT, SIGTERM and SIGKILL while a
# process hangs with names created.  (A shell starts background jobs
# with SIGINT ignored: env --default-signal gives it back.)
for sig in INT TERM KILL; do
	env --default-signal=INT SHMSIM_TEST_HANG_LINE=6 "$SHMSIM" run \
	    --host --timeout 60 "$DIR/hang.shm" >"$TMP/out" 2>&1 &
	pid=$!
	n=0
	while [ "$(leftovers $pid)" = 0 ] && [ $n -lt 100 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	[ "$(leftovers $pid)" != 0 ] || fail "SIG$sig: no name appeared"
	kill -"$sig" $pid
	wait $pid 2>/dev/null
	st=$?
	[ $st -gt 128 ] || fail "SIG$sig: the run ended by itself ($st)"
	n=0
	while [ "$(leftovers $pid)" != 0 ] && [ $n -lt 100 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	[ "$(leftovers $pid)" = 0 ] || fail "SIG$sig: names left in /dev/shm"
done

if [ $fails -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "host runner: all checks passed"
