# cmake -DSHMSIM=path -DDIR=tests/scenarios -DWORK=dir -P check_outputs.cmake
#
# Exit codes and messages CI can trust (shmsim(1) EXIT STATUS):
#   - a write that fails (here: to /dev/full, which fails every write
#     with ENOSPC) on standard output, the --dot file or the --junit file
#     gives a message naming the stream and an exit status of at least 1,
#     for every subcommand;
#   - every subcommand takes --help (exit 0, the help on stdout);
#   - an input that cannot be read says why.
cmake_minimum_required(VERSION 3.25)
if(NOT SHMSIM OR NOT DIR OR NOT WORK)
  message(FATAL_ERROR "usage: cmake -DSHMSIM=... -DDIR=... -DWORK=... -P check_outputs.cmake")
endif()
set(bad 0)
file(MAKE_DIRECTORY "${WORK}")
set(ok_scenario "${DIR}/audit_and_dump.shm")
set(race "${DIR}/explore/excl_order.shm")
set(nopar "${DIR}/explore/no_par.shm")

# run_to(STDOUT_FILE EXPECT_EXIT REGEX args...): stdout to STDOUT_FILE
# (NONE: captured), the exit status, and a regex stderr must match.
function(run_to where expect_exit regex)
  if(where STREQUAL "NONE")
    execute_process(COMMAND "${SHMSIM}" ${ARGN}
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  else()
    execute_process(COMMAND "${SHMSIM}" ${ARGN}
      RESULT_VARIABLE rc OUTPUT_FILE "${where}" ERROR_VARIABLE err)
  endif()
  set(why "")
  if(expect_exit STREQUAL "NONZERO")
    if(rc EQUAL 0)
      set(why "exit 0, expected non-zero")
    endif()
  elseif(NOT rc STREQUAL expect_exit)
    set(why "exit ${rc}, expected ${expect_exit}")
  endif()
  if(NOT err MATCHES "${regex}")
    set(why "${why} stderr does not match '${regex}'")
  endif()
  if(NOT why STREQUAL "")
    message(SEND_ERROR "shmsim ${ARGN} (stdout: ${where}): ${why}\n--- stderr:\n${err}")
    set(bad 1 PARENT_SCOPE)
  else()
    message(STATUS "ok: shmsim ${ARGN} (stdout: ${where}): exit ${rc}")
  endif()
endfunction()

set(full /dev/full)
set(stdout_err "shmsim: standard output: write error: No space left on device")
set(full_err "shmsim: /dev/full: write error: No space left on device")
# Standard output.
run_to(${full} 1 "${stdout_err}" run ${ok_scenario})
run_to(${full} 1 "${stdout_err}" run --quiet ${ok_scenario})
run_to(${full} 1 "${stdout_err}" demo)
run_to(${full} 1 "${stdout_err}" --help)
run_to(${full} 1 "${stdout_err}" --version)
run_to(${full} 1 "${stdout_err}" run --help)
run_to(${full} 1 "${stdout_err}" explore ${nopar})
run_to(${full} 1 "${stdout_err}" explore --quiet ${race})
run_to(${full} 1 "${stdout_err}"
  decode syscalls ${DIR}/../../fuzz/corpus/syscalls/seed-lifecycle-current)
# The --dot and --junit files.
run_to(NONE 1 "${full_err}" run --quiet --dot ${full} ${ok_scenario})
run_to(NONE 1 "${full_err}" demo --dot ${full})
run_to(NONE 1 "${full_err}" run --quiet --junit ${full} ${ok_scenario})
run_to(NONE 1 "${full_err}" explore --quiet --junit ${full} ${nopar})
# A failing scenario stays 1 (not worse), and says both.
run_to(NONE 1 "${full_err}" run --quiet --junit ${full} ${race})
# Files that cannot be created: 2.
run_to(NONE 2 "shmsim: ${WORK}/no/such/dir.dot: No such file or directory"
  run --quiet --dot ${WORK}/no/such/dir.dot ${ok_scenario})
run_to(NONE 2 "shmsim: ${WORK}/no/such/dir.xml: No such file or directory"
  run --quiet --junit ${WORK}/no/such/dir.xml ${ok_scenario})
# Inputs that cannot be read say why.
run_to(NONE 2 "shmsim: ${DIR}: Is a directory" run ${DIR})
run_to(NONE 2 "shmsim: ${WORK}/missing.shm: No such file or directory"
  run ${WORK}/missing.shm)
run_to(NONE 2 "shmsim: ${DIR}: Is a directory" explore ${DIR})
run_to(NONE 2 "shmsim: decode: ${DIR}: Is a directory|shmsim: ${DIR}: Is a directory"
  decode names ${DIR})
# --help everywhere, on stdout, exit 0.
foreach(sub run explore demo decode)
  execute_process(COMMAND "${SHMSIM}" ${sub} --help
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "shmsim ${sub} " OR NOT err STREQUAL "")
    message(SEND_ERROR "shmsim ${sub} --help: exit ${rc}\n${out}${err}")
    set(bad 1)
  endif()
endforeach()
# The explorer's bound on --depth is named.
run_to(NONE 2 "--depth is 1 to 64" explore --mode pct --depth 1000000 ${race})

if(bad)
  message(FATAL_ERROR "check_outputs: failed")
endif()
