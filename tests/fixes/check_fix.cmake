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
#          `run --quiet` over ROOT/tests/scenarios/*.shm and race/*.shm,
#          and explores, with its own explore-args, every race/*.shm
#          that calls a function of PATTERN (a regular expression
#          matched against the calls; default: any) inside a par block.
#          The other race files run a patched function, if at all, only
#          outside the blocks, where no other actor runs and the patch
#          cannot change what happens; explore/* explores them on the
#          real build.
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
  file(GLOB scenarios "${ROOT}/tests/scenarios/*.shm"
    "${ROOT}/tests/scenarios/race/*.shm")
  execute_process(COMMAND "${SHMSIM}" run --quiet ${scenarios}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc STREQUAL 0)
    message(FATAL_ERROR "shmsim run tests/scenarios/*.shm: exit ${rc}\n"
      "--- stdout:\n${out}--- stderr:\n${err}")
  endif()
  if(NOT DEFINED PATTERN OR PATTERN STREQUAL "")
    set(PATTERN ".")
  endif()
  file(GLOB races "${ROOT}/tests/scenarios/race/*.shm")
  set(explored 0)
  foreach(f ${races})
    # One list element a line: brackets and semicolons would upset
    # CMake's list splitting, and no call name contains them.
    file(READ "${f}" text)
    string(REGEX REPLACE "[][;]" "_" text "${text}")
    string(REPLACE "\n" ";" lines "${text}")
    set(in_par FALSE)
    set(hit FALSE)
    foreach(l ${lines})
      if(l MATCHES "^par *$")
        set(in_par TRUE)
      elseif(l MATCHES "^end *$")
        set(in_par FALSE)
      elseif(in_par AND l MATCHES "^ *[A-Za-z_][A-Za-z0-9_]*: *(${PATTERN})\\(")
        set(hit TRUE)
      endif()
    endforeach()
    if(hit)
      explore("${f}" 0)
      math(EXPR explored "${explored} + 1")
    endif()
  endforeach()
  if(explored EQUAL 0)
    message(FATAL_ERROR "no race scenario calls ${PATTERN} in a par block")
  endif()
  message(STATUS "explored ${explored} race scenario(s) calling ${PATTERN}")
else()
  message(FATAL_ERROR "check_fix.cmake: MODE ${MODE}?")
endif()
