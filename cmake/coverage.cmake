# Coverage of src/ with gcc --coverage and gcovr (the `coverage` preset,
# SHMSIM_COVERAGE=ON; `make coverage` runs configure, build, ctest, then
# these two targets).  See docs/ARCHITECTURE.md, "Coverage".
#
#   coverage_report  HTML (with branches) under <build>/coverage/, a line
#                    and a branch table as text, and the summary printed.
#   coverage_check   the gate: fails when src/ is below
#                    SHMSIM_COVERAGE_MIN_LINES % of its lines or
#                    SHMSIM_COVERAGE_MIN_BRANCHES % of its branches.
#
# gcovr 5.2 pitfalls (research/tooling.md section 7): counters accumulate
# across runs (`make coverage` deletes the .gcda files before ctest); the
# build folder must be the search path, or gcovr merges every build/*
# under the root; CMake's compiler-id program is instrumented too.
find_program(GCOVR gcovr)
if(NOT GCOVR)
  message(FATAL_ERROR "SHMSIM_COVERAGE needs gcovr: apt-get install gcovr")
endif()
if(NOT CMAKE_C_COMPILER_ID STREQUAL "GNU")
  message(WARNING "coverage expects gcc (gcov); ${CMAKE_C_COMPILER_ID} "
    "builds are read with gcc's gcov and may be off")
endif()

set(SHMSIM_COVERAGE_MIN_LINES 90 CACHE STRING "coverage_check: minimum % of src/ lines")
set(SHMSIM_COVERAGE_MIN_BRANCHES 75 CACHE STRING "coverage_check: minimum % of src/ branches")

set(SHMSIM_GCOVR_ARGS
  --root ${PROJECT_SOURCE_DIR}
  --filter ${PROJECT_SOURCE_DIR}/src/
  --exclude-directories ".*/CompilerIdC$")

add_custom_target(coverage_report
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/coverage
  # The trailing search path (the build folder) is what keeps other
  # build/* folders out of the report.
  COMMAND ${GCOVR} ${SHMSIM_GCOVR_ARGS}
          --print-summary
          --txt ${PROJECT_BINARY_DIR}/coverage/lines.txt
          --html-details ${PROJECT_BINARY_DIR}/coverage/index.html
          --html-title "shmsim src/ coverage"
          --json-summary-pretty
          --json-summary ${PROJECT_BINARY_DIR}/coverage/summary.json
          ${PROJECT_BINARY_DIR}
  COMMAND ${GCOVR} ${SHMSIM_GCOVR_ARGS} --branches
          --txt ${PROJECT_BINARY_DIR}/coverage/branches.txt
          ${PROJECT_BINARY_DIR}
  WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
  COMMENT "gcovr: src/ coverage; HTML in ${PROJECT_BINARY_DIR}/coverage/index.html"
  VERBATIM)

add_custom_target(coverage_check
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/coverage
  COMMAND ${GCOVR} ${SHMSIM_GCOVR_ARGS}
          --fail-under-line ${SHMSIM_COVERAGE_MIN_LINES}
          --fail-under-branch ${SHMSIM_COVERAGE_MIN_BRANCHES}
          --print-summary
          --output ${PROJECT_BINARY_DIR}/coverage/gate.txt
          ${PROJECT_BINARY_DIR}
  WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
  COMMENT "coverage gate: src/ needs ${SHMSIM_COVERAGE_MIN_LINES}% lines, ${SHMSIM_COVERAGE_MIN_BRANCHES}% branches"
  VERBATIM)
