# cmake -DSHMSIM=path -DSCENARIO=file -DMODE=fixed|today -P check_fix.cmake
# cmake -DSHMSIM=path -DROOT=repo -DMODE=suite -P check_fix.cmake
#
# The checks of a proposed kernel fix carried as a patch (tests/fixes/,
# docs/findings.md).  SCENARIO is written with the fixed outcome and
# says how to explore it in "# explore-args: ..." (--preemptions 2 when
# it says nothing):
#   fixed  SHMSIM, built with the patch, explores it clean (exit 0);
#   today  SHMSIM, the real model (today's kernel), fails it (exit 1),
#          and its report matches every "# today-fails: REGEX" line of
#          the file: the model still reproduces what the kernel does.
#   suite  SHMSIM, built with the patch, passes the scenario suite:
#          `run --quiet` over ROOT/tests/scenarios/*.shm, and every
#          ROOT/tests/scenarios/race/*.shm explored with its own
#          explore-args.
cmake_minimum_required(VERSION 3.25)
if(NOT SHMSIM OR NOT MODE)
  message(FATAL_ERROR "usage: cmake -DSHMSIM=... -DMODE=... -P check_fix.cmake")
endif()

function(explore_args out file)
  file(STRINGS "${file}" args REGEX "^# explore-args: ")
  if(args)
    list(GET args 0 args)
    string(REGEX REPLACE "^# explore-args: " "" args "${args}")
    separate_arguments(args UNIX_COMMAND "${args}")
  else()
    set(args --preemptions 2)
  endif()
  set(${out} ${args} PARENT_SCOPE)
endfunction()

function(explore file expect_exit)
  explore_args(args "${file}")
  execute_process(COMMAND "${SHMSIM}" explore --mode dfs ${args} --quiet
      "${file}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc STREQUAL expect_exit)
    list(JOIN args " " a)
    message(FATAL_ERROR "shmsim explore ${a} ${file}: exit ${rc}, "
      "expected ${expect_exit}\n--- stdout:\n${out}--- stderr:\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

if(MODE STREQUAL "fixed")
  explore("${SCENARIO}" 0)
elseif(MODE STREQUAL "today")
  file(STRINGS "${SCENARIO}" regexes REGEX "^# today-fails: ")
  if(NOT regexes)
    message(FATAL_ERROR "${SCENARIO}: no \"# today-fails: REGEX\" line")
  endif()
  explore("${SCENARIO}" 1)
  foreach(r ${regexes})
    string(REGEX REPLACE "^# today-fails: " "" r "${r}")
    if(NOT out MATCHES "${r}")
      message(FATAL_ERROR "${SCENARIO}: the unpatched model no longer "
        "fails with ${r}\n--- stdout:\n${out}")
    endif()
  endforeach()
elseif(MODE STREQUAL "suite")
  file(GLOB scenarios "${ROOT}/tests/scenarios/*.shm")
  execute_process(COMMAND "${SHMSIM}" run --quiet ${scenarios}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc STREQUAL 0)
    message(FATAL_ERROR "shmsim run tests/scenarios/*.shm: exit ${rc}\n"
      "--- stdout:\n${out}--- stderr:\n${err}")
  endif()
  file(GLOB races "${ROOT}/tests/scenarios/race/*.shm")
  foreach(f ${races})
    explore("${f}" 0)
  endforeach()
else()
  message(FATAL_ERROR "check_fix.cmake: MODE ${MODE}?")
endif()
