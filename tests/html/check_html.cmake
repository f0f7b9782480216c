# cmake -DSHMSIM=path -DSRC=tests/html -DOUT=dir -DCASE=name -P check_html.cmake
#
# shmsim run --html and explore --replay --html from the command line
# (the page itself is checked in a browser by browser_test.py):
#   page       a page is written, self-contained, with one step per
#              statement; the trace printed alongside is the run's own
#   quiet      with --quiet, the same failures as without --html
#   errors     no dot, two files, --html without --replay: exit 2
#   size       a generated 1,000-statement scenario gives a page under
#              10 MB with 1,004 steps
#   suite      every scenario of tests/scenarios renders: the same exit
#              status with --html as without, a page, nothing on stderr
cmake_minimum_required(VERSION 3.25)

function(fail msg)
  message(FATAL_ERROR "${msg}")
endfunction()

# run(<var prefix> args...): exit status, stdout, stderr.
function(run prefix)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  set(${prefix}_rc "${rc}" PARENT_SCOPE)
  set(${prefix}_out "${out}" PARENT_SCOPE)
  set(${prefix}_err "${err}" PARENT_SCOPE)
endfunction()

# The number of steps in a page's data.
function(count_steps page var)
  file(READ "${page}" html)
  string(REGEX MATCHALL "{\"l\":[0-9]+,\"w\":" steps "${html}")
  list(LENGTH steps n)
  set(${var} ${n} PARENT_SCOPE)
endfunction()

file(MAKE_DIRECTORY "${OUT}")
# --html needs dot (make deps installs graphviz); without it only the
# errors can be checked.
find_program(DOT dot)
if(NOT DOT AND NOT CASE STREQUAL "errors")
  message("SKIP: Graphviz's dot is not installed (Debian: graphviz)")
  return()
endif()

if(CASE STREQUAL "page")
  set(page "${OUT}/first.html")
  file(REMOVE "${page}")
  run(a "${SHMSIM}" run --html "${page}" "${SRC}/first.shm")
  run(b "${SHMSIM}" run "${SRC}/first.shm")
  if(NOT a_rc EQUAL 0)
    fail("run --html: exit ${a_rc}\n${a_out}${a_err}")
  endif()
  # The trace is the one the run prints without --html.
  if(NOT a_out STREQUAL b_out)
    fail("run --html printed another trace:\n${a_out}\n--- without:\n${b_out}")
  endif()
  file(READ "${page}" html)
  if(NOT html MATCHES "^<!DOCTYPE html>")
    fail("not an HTML page")
  endif()
  # Nothing from elsewhere: no external script, style sheet or image.
  if(html MATCHES "<script [^>]*src=|<link |<img |@import|url\\(")
    fail("the page loads something from elsewhere")
  endif()
  # 17 statements that are steps (not the 3 narration lines), plus the
  # state before the first.
  count_steps("${page}" n)
  if(NOT n EQUAL 18)
    fail("${n} steps, expected 18")
  endif()
  # Each statement's result is in the data: line 12's EACCES.
  if(NOT html MATCHES "\\[12,\"EACCES\",0\\]")
    fail("line 12's result (EACCES) is not in the page")
  endif()

  # explore --replay: a step per stretch of the par block.  Of the
  # failing schedules, one where bob blocks on the dictionary lock that
  # alice holds.
  run(e "${SHMSIM}" explore --quiet "${SRC}/race.shm")
  string(REGEX MATCHALL "token [0-9]-[0-9a-f.-]+" tokens "${e_out}")
  set(token "")
  foreach(t IN LISTS tokens)
    string(SUBSTRING "${t}" 6 -1 t)
    run(r "${SHMSIM}" explore --quiet --replay "${t}" "${SRC}/race.shm")
    if(r_out MATCHES " -- blocked at ")
      set(token "${t}")
      break()
    endif()
  endforeach()
  if(token STREQUAL "")
    fail("no failing schedule of race.shm blocks a thread:\n${e_out}")
  endif()
  set(page "${OUT}/race.html")
  run(r "${SHMSIM}" explore --replay "${token}" --html "${page}"
    "${SRC}/race.shm")
  if(NOT r_rc EQUAL 1 OR NOT r_out MATCHES "race.shm:7: FAIL: expected success, got ENOENT")
    fail("explore --replay --html: exit ${r_rc}\n${r_out}${r_err}")
  endif()
  file(READ "${page}" html)
  if(NOT html MATCHES "\"ev\":\"preempted\",\"p\":1"
      OR NOT html MATCHES "\"ev\":\"blocked\""
      OR NOT html MATCHES "\"ev\":\"finished\"")
    fail("the replay page lacks the schedule's steps")
  endif()
  # The lock table: one thread holds the dictionary lock, the other
  # waits for it.
  if(NOT html MATCHES "\"(alice|bob)\",\"(runnable|blocked)\",\"line [78]: [^\"]*(\\\\\"[^\"]*)*\",\"\\\\\"shm dictionary\\\\\" \\("
      OR NOT html MATCHES "\"blocked\",\"line [78]: [^\"]*(\\\\\"[^\"]*)*\",\"\",\"\\\\\"shm dictionary\\\\\"")
    fail("the replay page lacks the lock table (holds, waits for)")
  endif()
elseif(CASE STREQUAL "quiet")
  foreach(f fail/wrong_expectation.shm ../html/first.shm)
    set(page "${OUT}/quiet.html")
    run(a "${SHMSIM}" run --quiet --html "${page}" "${SRC}/../scenarios/${f}")
    run(b "${SHMSIM}" run --quiet "${SRC}/../scenarios/${f}")
    if(NOT a_rc EQUAL b_rc OR NOT a_out STREQUAL b_out)
      fail("--quiet --html on ${f}: exit ${a_rc} (${b_rc} without)\n${a_out}--- without:\n${b_out}")
    endif()
    if(NOT EXISTS "${page}")
      fail("no page for ${f}")
    endif()
  endforeach()
elseif(CASE STREQUAL "errors")
  set(page "${OUT}/none.html")
  file(REMOVE "${page}")
  run(a "${CMAKE_COMMAND}" -E env SHMSIM_DOT=/nonexistent/dot
    "${SHMSIM}" run --html "${page}" "${SRC}/first.shm")
  if(NOT a_rc EQUAL 2 OR NOT a_err MATCHES "--html needs Graphviz's dot"
      OR EXISTS "${page}")
    fail("without dot: exit ${a_rc}\n${a_err}")
  endif()
  run(a "${CMAKE_COMMAND}" -E env PATH=/nonexistent
    "${SHMSIM}" run --html "${page}" "${SRC}/first.shm")
  if(NOT a_rc EQUAL 2 OR NOT a_err MATCHES "no dot in \\$PATH")
    fail("without dot in PATH: exit ${a_rc}\n${a_err}")
  endif()
  # dot fails: exit 1 after the run, and no half-written page.
  if(EXISTS /bin/false)
    run(a "${CMAKE_COMMAND}" -E env SHMSIM_DOT=/bin/false
      "${SHMSIM}" run --html "${page}" "${SRC}/first.shm")
    if(NOT a_rc EQUAL 1 OR NOT a_err MATCHES "failed \\(status [0-9]+\\) drawing"
        OR NOT a_out MATCHES "14 passed, 0 failed" OR EXISTS "${page}")
      fail("dot failing: exit ${a_rc}\n${a_out}${a_err}")
    endif()
  endif()
  run(a "${SHMSIM}" run --html "${page}" "${SRC}/first.shm" "${SRC}/race.shm")
  if(NOT a_rc EQUAL 2 OR NOT a_err MATCHES "--html takes one FILE")
    fail("two files: exit ${a_rc}\n${a_err}")
  endif()
  run(a "${SHMSIM}" explore --html "${page}" "${SRC}/race.shm")
  if(NOT a_rc EQUAL 2 OR NOT a_err MATCHES "needs --replay")
    fail("explore --html without --replay: exit ${a_rc}\n${a_err}")
  endif()
  run(a "${SHMSIM}" run --html "/nonexistent/dir/p.html" "${SRC}/first.shm")
  if(DOT AND (NOT a_rc EQUAL 2 OR NOT a_err MATCHES "/nonexistent/dir/p.html: "))
    fail("unwritable page: exit ${a_rc}\n${a_err}")
  endif()
elseif(CASE STREQUAL "size")
  # 1,000 statements: four objects opened, sized, written, passed to
  # another process and closed, over and over; nearly every state new.
  set(s "# big.shm: 1,000 statements\nspawn a\nspawn b\n")
  set(n 2)
  set(i 0)
  while(n LESS 1000)
    math(EXPR k "${i} % 4")
    math(EXPR sz "(${i} % 7 + 1) * 4096")
    string(APPEND s
      "a: shm_open(\"/o${k}\", O_RDWR|O_CREAT, 0600) -> f${i}\n"
      "a: ftruncate(f${i}, ${sz})\n"
      "a: pwrite(f${i}, \"x\", 0) => 1\n"
      "a: sendfd(b, f${i})\n"
      "b: recvfd() -> g${i}\n"
      "b: close(g${i})\n"
      "a: close(f${i})\n")
    math(EXPR n "${n} + 7")
    math(EXPR i "${i} + 1")
  endwhile()
  file(WRITE "${OUT}/big.shm" "${s}")
  set(page "${OUT}/big.html")
  run(a "${SHMSIM}" run --quiet --html "${page}" "${OUT}/big.shm")
  if(NOT a_rc EQUAL 0)
    fail("big.shm: exit ${a_rc}\n${a_out}${a_err}")
  endif()
  file(SIZE "${page}" size)
  message(STATUS "1,000-statement page: ${size} bytes")
  if(size GREATER_EQUAL 10000000)
    fail("the page of 1,000 statements is ${size} bytes, not under 10 MB")
  endif()
  count_steps("${page}" steps)
  if(NOT steps EQUAL 1004)
    fail("${steps} steps, expected 1004 (1,003 statements and the start)")
  endif()
elseif(CASE STREQUAL "suite")
  file(GLOB_RECURSE files "${SRC}/../scenarios/*.shm")
  set(n 0)
  foreach(f IN LISTS files)
    if(f MATCHES "/bad/" OR f MATCHES "/syntax_error.shm$")
      continue()
    endif()
    get_filename_component(name "${f}" NAME_WE)
    set(page "${OUT}/${name}.html")
    file(REMOVE "${page}")
    run(a "${SHMSIM}" run --quiet --html "${page}" "${f}")
    run(b "${SHMSIM}" run --quiet "${f}")
    if(NOT a_rc EQUAL b_rc OR NOT a_err STREQUAL "" OR NOT EXISTS "${page}")
      fail("${f}: exit ${a_rc} with --html, ${b_rc} without\n${a_err}")
    endif()
    math(EXPR n "${n} + 1")
  endforeach()
  message(STATUS "${n} scenarios rendered")
  if(n LESS 100)
    fail("only ${n} scenarios found")
  endif()
else()
  fail("unknown CASE ${CASE}")
endif()
