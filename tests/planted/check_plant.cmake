# cmake -DREAL=shmsim -DPLANTED=shmsim-patched-planted-NAME -DSCENARIO=FILE -DK=N
#       -DEXPECT_REGEX=RE -P check_plant.cmake
#
# One planted race (docs/planted-bugs.md):
#  1. the real shmsim explores FILE, every schedule within K preemptions:
#     exit 0;
#  2. the planted build explores the same: exit 1, output matching RE
#     (the panic, the failed expectation or the auditor's report), and a
#     schedule token -- "schedule: TOKEN" after a panic, "--replay TOKEN"
#     after a failed schedule;
#  3. the planted build replays TOKEN: exit 1 and RE again;
#  4. the planted build explores with -j 2: the same report as in 2 (a
#     panic is the first in one explorer's order, not the first any
#     thread met).
cmake_minimum_required(VERSION 3.25)
foreach(v REAL PLANTED SCENARIO K EXPECT_REGEX)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_plant.cmake: -D${v}=... missing")
  endif()
endforeach()

function(run_shmsim prog expect_exit)
  execute_process(COMMAND "${prog}" ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(out "${out}${err}" PARENT_SCOPE)
  if(NOT rc STREQUAL expect_exit)
    message(FATAL_ERROR "${prog} ${ARGN}: exit ${rc}, expected ${expect_exit}\n${out}${err}")
  endif()
endfunction()

# 1. The real model: every schedule passes.
run_shmsim("${REAL}" 0 explore --mode dfs --preemptions ${K} --quiet "${SCENARIO}")
message(STATUS "real build: ${out}")

# 2. The planted race is found, with a token.
run_shmsim("${PLANTED}" 1 explore --mode dfs --preemptions ${K} --quiet "${SCENARIO}")
if(NOT out MATCHES "${EXPECT_REGEX}")
  message(FATAL_ERROR "planted build: output does not match '${EXPECT_REGEX}':\n${out}")
endif()
if(out MATCHES "\nschedule: ([0-9]-[0-9a-f]+[-0-9.]*)\n")
  set(token "${CMAKE_MATCH_1}")
elseif(out MATCHES "--replay ([0-9]-[0-9a-f]+[-0-9.]*) ")
  set(token "${CMAKE_MATCH_1}")
else()
  message(FATAL_ERROR "planted build: no schedule token in:\n${out}")
endif()
message(STATUS "planted build found it, token ${token}:\n${out}")
set(out_j1 "${out}")

# 3. The token replays the same failure.
run_shmsim("${PLANTED}" 1 explore --replay "${token}" --quiet "${SCENARIO}")
if(NOT out MATCHES "${EXPECT_REGEX}")
  message(FATAL_ERROR "replay of ${token}: output does not match '${EXPECT_REGEX}':\n${out}")
endif()
# The replay names the same schedule ("schedule: TOKEN" or
# "schedule TOKEN: expectations ...").
string(FIND "${out}" "schedule: ${token}\n" at_panic)
string(FIND "${out}" "schedule ${token}: " at_fail)
if(at_panic LESS 0 AND at_fail LESS 0)
  message(FATAL_ERROR "replay of ${token} names another schedule:\n${out}")
endif()
message(STATUS "replay of ${token} fails the same way")

# 4. Two host threads report what one does.
run_shmsim("${PLANTED}" 1 explore -j 2 --mode dfs --preemptions ${K} --quiet "${SCENARIO}")
if(NOT out STREQUAL out_j1)
  message(FATAL_ERROR "planted build with -j 2:\n${out}\ndiffers from -j 1:\n${out_j1}")
endif()
message(STATUS "-j 2 reports the same")
