# cmake -DREAL=shmsim -DSOURCE=DIR -DWORK=DIR -DSCENARIO=FILE
#       -DGENERATOR=G -DBUILD_TYPE=T -DCC=C -P check_replay_edit.cmake
#
# A token (and a schedule file) made by the real build replays the same
# failure after an edit of src/ that leaves the scheduling points as
# they were (issue 16):
#  1. the real shmsim explores SCENARIO (an expectation that fails in some
#     schedules) to its first failing schedule: token and schedule file;
#  2. a copy of the tree gets comment and blank lines at the top of
#     src/shm_ns.c (every line below moves) and a statement that is no
#     scheduling point added inside kern_shm_open2(); its shmsim is built;
#  3. the copy replays the token and the file: the same failures, the same
#     token, no warning -- while its step list shows the moved lines;
#  4. a scheduling point is added in kern_shm_open2(): the replay says
#     that the model's points differ, from which decision, what it
#     expected and what it found, and still runs the scenario to its end.
cmake_minimum_required(VERSION 3.25)
foreach(v REAL SOURCE WORK SCENARIO GENERATOR BUILD_TYPE CC)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_replay_edit.cmake: -D${v}=... missing")
  endif()
endforeach()

function(run expect_exit)
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(out "${out}${err}" PARENT_SCOPE)
  if(NOT rc STREQUAL expect_exit)
    message(FATAL_ERROR "${ARGN}: exit ${rc}, expected ${expect_exit}\n${out}${err}")
  endif()
endfunction()

# The FAIL lines of a run, in order.
function(fail_lines out_var text)
  string(REGEX MATCHALL "[^\n]*: FAIL: [^\n]*" lines "${text}")
  set(${out_var} "${lines}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

# 1. The real build's first failing schedule.
run(1 "${REAL}" explore --stop-on-failure --quiet
  --save-schedule "${WORK}/first.schedule" "${SCENARIO}")
if(NOT out MATCHES "--replay ([0-9]-[0-9a-f]+[-0-9.]*) ")
  message(FATAL_ERROR "no token in:\n${out}")
endif()
set(token "${CMAKE_MATCH_1}")
run(1 "${REAL}" explore --replay "${token}" --quiet "${SCENARIO}")
fail_lines(real_fails "${out}")
string(REGEX MATCHALL "@ src/shm_ns.c:[0-9]+" real_sites "${out}")
if(real_fails STREQUAL "" OR real_sites STREQUAL "")
  message(FATAL_ERROR "the real replay shows no failure or no shm_ns.c step:\n${out}")
endif()
message(STATUS "real build: token ${token}, ${real_fails}")

# 2. A copy of the tree, edited between the points, built.
set(tree "${WORK}/tree")
foreach(d src include tools cmake LICENSE)
  file(COPY "${SOURCE}/${d}" DESTINATION "${tree}")
endforeach()
file(READ "${SOURCE}/CMakeLists.txt" top)
# Only the library and the command: no fuzzers, no benchmark.
string(REPLACE "add_subdirectory(fuzz)" "" top "${top}")
string(REPLACE "add_subdirectory(bench)" "" top "${top}")
file(WRITE "${tree}/CMakeLists.txt" "${top}")

file(READ "${tree}/src/shm_ns.c" c)
set(anchor_re "\nkern_shm_open2\\([^{]*\n{\n")
if(NOT c MATCHES "${anchor_re}")
  message(FATAL_ERROR "kern_shm_open2() not found in src/shm_ns.c")
endif()
set(anchor "${CMAKE_MATCH_0}")
string(REPLACE "${anchor}" "${anchor}\t/* Code added between two scheduling points. */\n\tvolatile int edit_unused = 0;\n\n\t(void)edit_unused;\n" c "${c}")
file(WRITE "${tree}/src/shm_ns.c"
  "/* An edit: every line below moves by five. */\n\n\n\n\n${c}")

run(0 "${CMAKE_COMMAND}" -S "${tree}" -B "${tree}/build" -G "${GENERATOR}"
  -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_C_COMPILER=${CC}
  -DSHMSIM_BUILD_TESTS=OFF)
run(0 "${CMAKE_COMMAND}" --build "${tree}/build" --target shmsim-cli)
set(copy "${tree}/build/shmsim")

# 3. The token and the file replay the same schedule on the edited model.
foreach(what "${token}" "${WORK}/first.schedule")
  run(1 "${copy}" explore --replay "${what}" --quiet "${SCENARIO}")
  fail_lines(fails "${out}")
  if(NOT fails STREQUAL real_fails)
    message(FATAL_ERROR "replay of ${what} after the edit: other failures:\n${out}\nexpected: ${real_fails}")
  endif()
  if(out MATCHES "warning|differ|nondeterminism")
    message(FATAL_ERROR "replay of ${what} after the edit complains:\n${out}")
  endif()
  string(FIND "${out}" "schedule ${token}: " at)
  if(at LESS 0)
    message(FATAL_ERROR "replay of ${what} after the edit names another schedule:\n${out}")
  endif()
  string(REGEX MATCHALL "@ src/shm_ns.c:[0-9]+" sites "${out}")
  if(sites STREQUAL real_sites)
    message(FATAL_ERROR "the edit did not move the points' lines (${sites}): the test proves nothing")
  endif()
  message(STATUS "after the edit, ${what} replays the same failure (${sites} were ${real_sites})")
endforeach()

# 4. One scheduling point more: said plainly, and the run goes on.
file(READ "${tree}/src/shm_ns.c" c)
string(REPLACE "\t(void)edit_unused;\n" "\t(void)edit_unused;\n\tSCHED_POINT(\"edit\", \"an added point\", __FILE__, __LINE__);\n" c "${c}")
file(WRITE "${tree}/src/shm_ns.c" "${c}")
run(0 "${CMAKE_COMMAND}" --build "${tree}/build" --target shmsim-cli)
execute_process(COMMAND "${copy}" explore --replay "${WORK}/first.schedule"
    --quiet "${SCENARIO}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(re "warning: the model's scheduling points differ from this schedule's from decision [0-9]+ on: expected [^\n]*, found edit \"an added point\" in kern_shm_open2 #1")
if(NOT out MATCHES "${re}" OR out MATCHES "nondeterminism"
   OR NOT out MATCHES "expectations [0-9]+ met, [0-9]+ failed")
  message(FATAL_ERROR "replay of the file with a point added (exit ${rc}):\n${out}${err}")
endif()
execute_process(COMMAND "${copy}" explore --replay "${token}" --quiet "${SCENARIO}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT out MATCHES "warning: the model's scheduling points differ from this token's"
   OR out MATCHES "nondeterminism")
  message(FATAL_ERROR "replay of the token with a point added (exit ${rc}):\n${out}${err}")
endif()
message(STATUS "with a point added, the replay says where the points differ")
file(REMOVE_RECURSE "${tree}")
