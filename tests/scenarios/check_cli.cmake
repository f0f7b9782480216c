# cmake -DSHMSIM=path -DARG=word -DEXPECT_EXIT=N -DEXPECT_REGEX=re -P check_cli.cmake
#
# Runs `shmsim ARG` (no argument when ARG is empty) and checks both the
# exit status and that stdout+stderr match EXPECT_REGEX.
cmake_minimum_required(VERSION 3.25)
if(NOT SHMSIM)
  message(FATAL_ERROR "usage: cmake -DSHMSIM=... -DARG=... -DEXPECT_EXIT=... -DEXPECT_REGEX=... -P check_cli.cmake")
endif()
if(ARG STREQUAL "")
  execute_process(COMMAND "${SHMSIM}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
else()
  execute_process(COMMAND "${SHMSIM}" "${ARG}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
endif()
set(bad 0)
if(NOT rc STREQUAL EXPECT_EXIT)
  message(SEND_ERROR "shmsim ${ARG}: exit status ${rc}, expected ${EXPECT_EXIT}")
  set(bad 1)
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT_REGEX}")
  message(SEND_ERROR "shmsim ${ARG}: output does not match ${EXPECT_REGEX}")
  set(bad 1)
endif()
if(bad)
  message(FATAL_ERROR "--- stdout:\n${out}--- stderr:\n${err}")
endif()
