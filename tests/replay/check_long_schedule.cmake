# cmake -DSHMSIM=shmsim -DSCENARIO=long_schedule.shm -DWORK=DIR
#       -P check_long_schedule.cmake
#
# A failing schedule too long for a token (issue 16, newcomer-2 M5):
#  1. explore never prints a replay command that cannot work: it says to
#     save the schedule instead; under --quiet it prints at most 40 steps
#     and says how many it left out;
#  2. with --save-schedule FILE it prints `--replay FILE`, and that
#     replays the same failure.
cmake_minimum_required(VERSION 3.25)
foreach(v SHMSIM SCENARIO WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_long_schedule.cmake: -D${v}=... missing")
  endif()
endforeach()
file(MAKE_DIRECTORY "${WORK}")
set(sched "${WORK}/long.schedule")
file(REMOVE "${sched}")

execute_process(COMMAND "${SHMSIM}" explore --mode random --runs 1 --quiet
    "${SCENARIO}" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc STREQUAL "1" OR out MATCHES "--replay '?\\("
   OR NOT out MATCHES "replay: \\(schedule too long for a token: [0-9]+ deviations\\); run again with --save-schedule FILE"
   OR NOT out MATCHES "\n  \\.\\.\\. [0-9]+ steps left out \\.\\.\\.\n")
  message(FATAL_ERROR "a schedule too long for a token (exit ${rc}):\n${out}")
endif()
string(REGEX MATCHALL "\n +[0-9]+\\. [^\n]*" steps "${out}")
list(LENGTH steps n)
if(n GREATER 40)
  message(FATAL_ERROR "--quiet printed ${n} steps")
endif()
string(REGEX MATCH "[^\n]*: FAIL: [^\n]*" fail "${out}")

execute_process(COMMAND "${SHMSIM}" explore --mode random --runs 1 --quiet
    --save-schedule "${sched}" "${SCENARIO}" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
string(FIND "${out}" "explore --replay ${sched} " at)
if(NOT rc STREQUAL "1" OR at LESS 0 OR NOT EXISTS "${sched}")
  message(FATAL_ERROR "--save-schedule (exit ${rc}):\n${out}")
endif()
execute_process(COMMAND "${SHMSIM}" explore --replay "${sched}" --quiet
    "${SCENARIO}" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
string(FIND "${out}" "${fail}" at)
if(NOT rc STREQUAL "1" OR at LESS 0 OR out MATCHES "warning|nondeterminism")
  message(FATAL_ERROR "--replay ${sched} (exit ${rc}), expected '${fail}':\n${out}")
endif()
message(STATUS "saved and replayed a schedule too long for a token: ${fail}")
