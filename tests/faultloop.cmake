# The fault loop (tests/fault_loop.c, docs/fault-loop.md): every
# tests/scenarios/*.shm (not fail/ or bad/) run once per fault site and
# hit position, with the hit failing once and then persistently; checks
# the errno of the failing call, the state around it (shmsim_dump), the
# audit after every statement and the leak check at the end.  The
# scenarios of tests/faultloop/ are seeds for the loop only: transfers
# over several pages, so that a fault can stop one part-way.
# `ctest -L faultloop` runs it.  Named fault_loop.c so that the test_*.c
# glob of tests/CMakeLists.txt leaves it alone.
add_executable(fault_loop ${CMAKE_CURRENT_LIST_DIR}/fault_loop.c)
target_link_libraries(fault_loop PRIVATE shmsim_scenario)
add_test(NAME fault_loop
  COMMAND fault_loop ${CMAKE_CURRENT_LIST_DIR}/scenarios
    ${CMAKE_CURRENT_LIST_DIR}/faultloop)
set_tests_properties(fault_loop PROPERTIES LABELS faultloop TIMEOUT 900)
