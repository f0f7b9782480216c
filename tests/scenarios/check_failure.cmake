# cmake -DSHMSIM=path/to/shmsim -DSCENARIO=file.shm -P check_failure.cmake
#
# Runs `shmsim run --quiet SCENARIO` and checks what the scenario file
# itself says must happen, in comment lines:
#   # shmsim-args: ARGS      run `shmsim ARGS SCENARIO` instead, e.g.
#                            explore --mode dfs --preemptions 2 --quiet
#                            (a race only some schedules show)
#   # expect-exit: N         the exit status (required)
#   # expect-output: TEXT    TEXT appears literally in the output (stdout
#                            and stderr together); one line per message
# An exit status of 2 (usage or syntax error) must also run nothing: no
# trace and no summary line on standard output.
cmake_minimum_required(VERSION 3.25)
if(NOT SHMSIM OR NOT SCENARIO)
  message(FATAL_ERROR "usage: cmake -DSHMSIM=... -DSCENARIO=... -P check_failure.cmake")
endif()

file(READ "${SCENARIO}" text)
set(expect_exit "")
set(shmsim_args run --quiet)
set(needles "")
set(nneedles 0)
# Walk the file line by line with string(FIND): no list splitting, so
# ';' and brackets in messages are safe.
while(NOT text STREQUAL "")
  string(FIND "${text}" "\n" nl)
  if(nl EQUAL -1)
    set(line "${text}")
    set(text "")
  else()
    string(SUBSTRING "${text}" 0 ${nl} line)
    math(EXPR next "${nl} + 1")
    string(SUBSTRING "${text}" ${next} -1 text)
  endif()
  if(line MATCHES "^# expect-exit: ([0-9]+)[ \t\r]*$")
    set(expect_exit "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^# shmsim-args: ([^\r]*)$")
    separate_arguments(shmsim_args UNIX_COMMAND "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^# expect-output: ")
    string(LENGTH "# expect-output: " plen)
    string(SUBSTRING "${line}" ${plen} -1 needle)
    string(REGEX REPLACE "[ \t\r]+$" "" needle "${needle}")
    set(needle_${nneedles} "${needle}")
    math(EXPR nneedles "${nneedles} + 1")
  endif()
endwhile()
if(expect_exit STREQUAL "")
  message(FATAL_ERROR "${SCENARIO}: no '# expect-exit: N' line")
endif()
if(nneedles EQUAL 0)
  message(FATAL_ERROR "${SCENARIO}: no '# expect-output: TEXT' line")
endif()

execute_process(COMMAND "${SHMSIM}" ${shmsim_args} "${SCENARIO}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
set(bad 0)
if(NOT rc STREQUAL expect_exit)
  message(SEND_ERROR "exit status ${rc}, expected ${expect_exit}")
  set(bad 1)
endif()
math(EXPR last "${nneedles} - 1")
foreach(i RANGE ${last})
  string(FIND "${all}" "${needle_${i}}" pos)
  if(pos EQUAL -1)
    message(SEND_ERROR "missing from the output: ${needle_${i}}")
    set(bad 1)
  endif()
endforeach()
if(expect_exit STREQUAL "2" AND NOT out STREQUAL "")
  message(SEND_ERROR "exit 2 must run nothing, but standard output has:\n${out}")
  set(bad 1)
endif()
if(bad)
  message(FATAL_ERROR "${SCENARIO}: failed.\n--- stdout:\n${out}--- stderr:\n${err}")
endif()
message(STATUS "${SCENARIO}: exit ${rc} and ${nneedles} expected message(s), as stated")
