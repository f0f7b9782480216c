# ctest fuzz_decode/segments (fuzz/CMakeLists.txt): fuzz_syscalls inputs
# with concurrent segments decode to scenarios with par blocks, the token
# decode prints replays each exactly (shmsim explore --replay), and
# schedule bytes choose the interleaving.
#
#   cmake -DSHMSIM=path/to/shmsim -DCORPUS=fuzz/corpus/syscalls
#         -DWORK=scratch/dir -P decode_segments.cmake

foreach(v SHMSIM CORPUS WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "decode_segments.cmake: -D${v}=... is required")
  endif()
endforeach()
file(MAKE_DIRECTORY ${WORK})

set(failures 0)
macro(fail msg)
  message(SEND_ERROR "${msg}")
  math(EXPR failures "${failures} + 1")
endmacro()

# decode(NAME): ${NAME}.shm in WORK, its text in decoded_${NAME}, its
# token in token_${NAME} ("" when it prints none).
function(decode name)
  execute_process(COMMAND ${SHMSIM} decode fuzz_syscalls ${CORPUS}/${name}
    WORKING_DIRECTORY ${WORK}
    OUTPUT_FILE ${WORK}/${name}.shm RESULT_VARIABLE rc)
  file(READ ${WORK}/${name}.shm text)
  set(decoded_${name} "${text}" PARENT_SCOPE)
  set(rc_${name} ${rc} PARENT_SCOPE)
  string(REGEX MATCH "shmsim explore --replay ([^ \n]+)" m "${text}")
  set(token_${name} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

# 1. Every segment seed: exit 0, a par block, a token that replays.
file(GLOB seeds RELATIVE ${CORPUS} ${CORPUS}/seed-par-*)
list(LENGTH seeds nseeds)
if(nseeds LESS 5)
  fail("expected the seed-par-* inputs in ${CORPUS}, found ${nseeds}")
endif()
foreach(s ${seeds})
  decode(${s})
  if(NOT rc_${s} EQUAL 0)
    fail("${s}: shmsim decode exited ${rc_${s}}")
  endif()
  if(NOT decoded_${s} MATCHES "\npar\n  [a-z0-9]+[: ][^\n]*\n.*\nend\n")
    fail("${s}: no par ... end block in:\n${decoded_${s}}")
  endif()
  if(token_${s} STREQUAL "")
    fail("${s}: no replay token in:\n${decoded_${s}}")
    continue()
  endif()
  execute_process(COMMAND ${SHMSIM} explore --quiet --replay ${token_${s}}
      ${WORK}/${s}.shm
    OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    fail("${s}: shmsim explore --replay ${token_${s}} exited ${rc}:\n${out}")
  endif()
endforeach()

# 2. The same block under two schedules: different interleavings, with
# different results, and different tokens.  The default schedule runs p1
# to its end first, so p2 opens the new /a; in the other, p2's open falls
# between p1's unlink and its create.
set(a seed-par-unlink-open)
set(b seed-par-unlink-open-enoent)
decode(${a})
decode(${b})
if(NOT decoded_${a} MATCHES "\n  p2: shm_open\\(\"/a\", O_RDWR, 0600\\) => 1\n")
  fail("${a}: p2's open should succeed:\n${decoded_${a}}")
endif()
if(NOT decoded_${b} MATCHES
    "\n  p2: shm_open\\(\"/a\", O_RDWR, 0600\\) => ENOENT\n")
  fail("${b}: p2's open should fail with ENOENT:\n${decoded_${b}}")
endif()
if(token_${a} STREQUAL token_${b})
  fail("${a} and ${b}: the same token ${token_${a}}")
endif()
if(NOT decoded_${b} MATCHES "schedule bytes from decision 0: 00 00 00 00 00 01\n")
  fail("${b}: the schedule bytes are not shown:\n${decoded_${b}}")
endif()
# The fixed schedule of shmsim run is not that one: it must notice.
execute_process(COMMAND ${SHMSIM} run --quiet ${WORK}/${b}.shm
  OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 1 OR NOT out MATCHES "expected ENOENT, got 1")
  fail("${b}: shmsim run (fixed schedule) should fail, exit ${rc}:\n${out}")
endif()

# 3. Threads and the pagedaemon as actors.
set(c seed-par-threads-pageout)
decode(${c})
if(NOT decoded_${c} MATCHES "\nthread t1 of p1\npar\n  p1: [^\n]*\n  p1: [^\n]*\n  t1: [^\n]*\n  t1: [^\n]*\n  pagedaemon: pageout\n  pagedaemon: pageout 3\nend\n")
  fail("${c}: expected p1, its thread t1 and the pagedaemon:\n${decoded_${c}}")
endif()

# 4. fork, exec and exit as steps of a block (issue #14), printed as the
# language writes them, the child named only after the block; what the
# language's rules forbid is left out (seg_rules in decode.c).  Each
# replays with its token (1.).
set(e seed-par-fork-cloexec)
decode(${e})
if(NOT decoded_${e} MATCHES "\nthread t1 of p1\npar\n  p1: shm_open2\\(SHM_ANON, O_RDWR\\|O_CLOEXEC, 0600, 0, NULL\\) => 0\n  fork t1 p2\nend\np2: fcntl\\(0, F_GETFD, 0\\) => 1\nexec p2\np2: fcntl\\(0, F_GETFD, 0\\) => EBADF\n")
  fail("${e}: expected a fork in the block, then the child's exec:\n${decoded_${e}}")
endif()
set(f seed-par-exec-exit)
decode(${f})
if(NOT decoded_${f} MATCHES "\npar\n  exit p2\n  p1: close\\(0\\) => ok\nend\n.*\npar\n  exec p1\n  p1: shm_open\\([^\n]*\n  p3: fstat\\(0\\) => [^\n]*\n  fork p3 p4\nend\np4: ")
  fail("${f}: expected exit, exec and fork in blocks:\n${decoded_${f}}")
endif()
set(g seed-par-exit-left-out)
decode(${g})
if(decoded_${g} MATCHES "\n  exit " OR NOT decoded_${g} MATCHES
    "\npar\n  t1: fstat\\(0\\) => [^\n]*\n  p2: fstat\\(0\\) => [^\n]*\n  t2: sendfd\\(p2, 0\\) => ok\nend\np2: recvfd\\(\\) => 1\n")
  fail("${g}: the exits should be left out:\n${decoded_${g}}")
endif()

# 5. Without a segment: no par block, no token, no explorer.
set(d seed-lifecycle-current)
decode(${d})
if(decoded_${d} MATCHES "\npar\n" OR NOT token_${d} STREQUAL "")
  fail("${d}: a par block or token without a segment:\n${decoded_${d}}")
endif()

if(failures GREATER 0)
  message(FATAL_ERROR "decode_segments: ${failures} failure(s)")
endif()
message(STATUS "decode_segments: ${nseeds} segment seeds decode and replay")
