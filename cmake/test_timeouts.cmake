# Every test's TIMEOUT times SHMSIM_TEST_TIMEOUT_SCALE (a whole number,
# 1 by default).  tests/valgrind.sh sets it: under memcheck the suite
# runs 20 to 50 times slower, and the longest tests (test_stress,
# explore/seal_vs_mmap: 3 to 4 minutes each under memcheck on the 2-core
# machine, alone) ran past their 300 s when two ran side by side with
# other work on the machine.  `ctest --timeout` cannot do it: it only
# sets the timeout of tests that have none.
#
# CMake 3.25 lets a directory change only its own tests' properties, so
# each directory that adds tests defers a call to
# shmsim_scale_test_timeouts() to its end (cmake_language(DEFER), which
# also runs after a return());
# shmsim_check_test_timeouts(), at the end of the top-level file, fails
# the configuration if one does not.
set(SHMSIM_TEST_TIMEOUT_SCALE 1 CACHE STRING
    "Multiply every test's TIMEOUT by this (tests/valgrind.sh sets 4)")
if(NOT SHMSIM_TEST_TIMEOUT_SCALE MATCHES "^[1-9][0-9]*$")
  message(FATAL_ERROR "SHMSIM_TEST_TIMEOUT_SCALE must be a whole number "
    ">= 1, not '${SHMSIM_TEST_TIMEOUT_SCALE}'")
endif()

# The tests of the calling directory.
function(shmsim_scale_test_timeouts)
  set_property(DIRECTORY PROPERTY SHMSIM_TIMEOUTS_SCALED TRUE)
  if(SHMSIM_TEST_TIMEOUT_SCALE EQUAL 1)
    return()
  endif()
  get_property(tests DIRECTORY PROPERTY TESTS)
  foreach(t IN LISTS tests)
    get_test_property(${t} TIMEOUT timeout)
    if(timeout)
      math(EXPR timeout "${timeout} * ${SHMSIM_TEST_TIMEOUT_SCALE}")
      set_tests_properties(${t} PROPERTIES TIMEOUT ${timeout})
    endif()
  endforeach()
endfunction()

function(shmsim_check_test_timeouts dir)
  get_property(tests DIRECTORY "${dir}" PROPERTY TESTS)
  get_property(scaled DIRECTORY "${dir}" PROPERTY SHMSIM_TIMEOUTS_SCALED)
  if(tests AND NOT scaled)
    message(FATAL_ERROR "${dir} adds tests but does not defer "
      "shmsim_scale_test_timeouts() to its end (cmake/test_timeouts.cmake)")
  endif()
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(d IN LISTS subdirs)
    shmsim_check_test_timeouts("${d}")
  endforeach()
endfunction()
