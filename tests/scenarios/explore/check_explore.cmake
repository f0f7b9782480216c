# cmake -DSHMSIM=path -DDIR=tests/scenarios/explore -P check_explore.cmake
#
# shmsim explore from the outside: a failing schedule is reported with
# its failure, token, steps and replay command, and exit status 1; the
# replay command reproduces exactly that failure; --stop-on-failure
# stops there; a scenario without a par block has one schedule; bad
# options and tokens are usage errors (2).
cmake_minimum_required(VERSION 3.25)
if(NOT SHMSIM OR NOT DIR)
  message(FATAL_ERROR "usage: cmake -DSHMSIM=... -DDIR=... -P check_explore.cmake")
endif()
set(bad 0)
function(run_shmsim expect_exit)
  execute_process(COMMAND "${SHMSIM}" ${ARGN}
    WORKING_DIRECTORY "${DIR}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
  if(NOT rc STREQUAL expect_exit)
    message(SEND_ERROR "shmsim ${ARGN}: exit ${rc}, expected ${expect_exit}\n--- stdout:\n${out}--- stderr:\n${err}")
    set(bad 1 PARENT_SCOPE)
  endif()
endfunction()
function(expect_match regex)
  if(NOT "${out}${err}" MATCHES "${regex}")
    message(SEND_ERROR "output does not match ${regex}\n--- stdout:\n${out}--- stderr:\n${err}")
    set(bad 1 PARENT_SCOPE)
  endif()
endfunction()

# The failing schedules.
run_shmsim(1 explore --quiet excl_order.shm)
expect_match("schedule [0-9]+ failed \\(token [^)]+\\):\n(excl_order.shm:[89]: FAIL: [^\n]*\n)+steps:\n")
expect_match("\nexcl_order.shm:9: FAIL: expected EEXIST, got 0\n")
expect_match("\nreplay: [^\n]*shmsim explore --replay [^ ]+ excl_order.shm\n")
expect_match("\n[1-9][0-9]* passed, [1-9][0-9]* failed\n$")
string(REGEX MATCH "--replay ([^ ]+) excl_order.shm" m "${out}")
set(token "${CMAKE_MATCH_1}")

# Its replay: the trace of that run, the failure, the steps.
run_shmsim(1 explore --replay "${token}" excl_order.shm)
expect_match("== excl_order.shm \\(profile current\\)\n")
expect_match("\nexcl_order.shm:9: FAIL: expected EEXIST, got 0\n")
expect_match("\nschedule ${token}: expectations [0-9]+ met, [12] failed; steps:\n")
expect_match("\n0 passed, 1 failed\n$")

# --stop-on-failure: one failing schedule, then the summary.
run_shmsim(1 explore --stop-on-failure excl_order.shm)
expect_match("dfs: not exhaustive: stopped at the first failing schedule")
expect_match("\n[0-9]+ passed, 1 failed\n$")

# The fixed schedule passes.  With no preemption dfs still tries each
# actor first: two schedules, one of them failing.
run_shmsim(0 run --quiet excl_order.shm)
run_shmsim(1 explore --preemptions 0 excl_order.shm)
expect_match("dfs: exhaustive within 0 preemptions: 2 schedules in")
expect_match("\n1 passed, 1 failed\n$")

# pct and random run the runs asked for.
run_shmsim(1 explore --mode random --runs 50 --quiet excl_order.shm)
expect_match("\n[0-9]+ passed, [1-9][0-9]* failed\n$")
run_shmsim(1 explore --mode pct --depth 2 --seed 7 --runs 50 --quiet excl_order.shm)
expect_match("\n[0-9]+ passed, [1-9][0-9]* failed\n$")

# No par block: one schedule.
run_shmsim(0 explore no_par.shm)
expect_match("no par block: the one schedule ran: 1 schedule in")
expect_match("\n1 passed, 0 failed\n$")
run_shmsim(0 explore --mode random no_par.shm)
expect_match("\n1 passed, 0 failed\n$")

# Usage errors.
run_shmsim(2 explore)
run_shmsim(2 explore --mode bfs excl_order.shm)
run_shmsim(2 explore --depth 0 excl_order.shm)
run_shmsim(2 explore --runs x excl_order.shm)
run_shmsim(2 explore --replay not-a-token excl_order.shm)
run_shmsim(2 explore --replay 1-0 --mode pct excl_order.shm)
run_shmsim(2 explore excl_order.shm no_par.shm)

if(bad)
  message(FATAL_ERROR "check_explore failed")
endif()
