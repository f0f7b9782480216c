# cmake -DSHMSIM=shmsim -DFAILING=FILE -DPASSING=FILE -DLONG=FILE -DWORK=DIR
#       -P check_jobs_shards.cmake
#
# Exploring on several host threads, and in shards (issue 16):
#  1. `explore -j 2` and `-j 3` print what `-j 1` prints -- the same
#     failing schedules with the same numbers and tokens, in the same
#     order, the same summary (but for the time it took) and exit status
#     -- for dfs, --stop-on-failure, --runs, pct and random;
#  2. the shards I/3 of `--shard` together run exactly the schedules of
#     one unsharded run, none twice, for dfs, pct and random
#     (--list-schedules names every schedule run, by its token);
#  3. --max-time stops an exploration and still prints its summary, and
#     SIGINT does too, with exit status 130.
cmake_minimum_required(VERSION 3.25)
foreach(v SHMSIM FAILING PASSING LONG WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_jobs_shards.cmake: -D${v}=... missing")
  endif()
endforeach()
file(MAKE_DIRECTORY "${WORK}")

function(explore out_var rc_var)
  execute_process(COMMAND "${SHMSIM}" explore ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT err STREQUAL "")
    message(FATAL_ERROR "shmsim explore ${ARGN}: stderr:\n${err}")
  endif()
  # The time and the rate differ from run to run.
  string(REGEX REPLACE " in [0-9.]+ s \\([^\n]*\\)\n" "\n" out "${out}")
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${rc_var} "${rc}" PARENT_SCOPE)
endfunction()

# 1. -j N reports as -j 1.
# (Small runs: the suite also runs under valgrind.)
foreach(args "" "--preemptions 1 --stop-on-failure" "--preemptions 1 --runs 20"
    "--mode pct --runs 60" "--mode random --runs 60"
    "--mode random --runs 60 --stop-on-failure" "--quiet --preemptions 1")
  separate_arguments(a UNIX_COMMAND "${args}")
  explore(one rc1 ${a} "${FAILING}")
  if(NOT one MATCHES "schedule [0-9]+ failed \\(token [0-9]-")
    message(FATAL_ERROR "-j 1 ${args}: no failing schedule:\n${one}")
  endif()
  foreach(j 2 3)
    explore(many rcj -j ${j} ${a} "${FAILING}")
    if(NOT many STREQUAL one OR NOT rcj STREQUAL rc1)
      message(FATAL_ERROR "explore -j ${j} ${args} (exit ${rcj}):\n${many}\n"
        "differs from -j 1 (exit ${rc1}):\n${one}")
    endif()
  endforeach()
  message(STATUS "-j 2, -j 3 and -j 1 agree: ${args}")
endforeach()
explore(one rc1 "${PASSING}")
explore(many rcj -j 2 "${PASSING}")
if(NOT many STREQUAL one OR NOT rc1 STREQUAL "0" OR NOT rcj STREQUAL "0")
  message(FATAL_ERROR "-j 2 on ${PASSING}:\n${many}\n-j 1:\n${one}")
endif()

# 2. Shards partition the schedules.
function(tokens out_var)
  explore(out rc --quiet --list-schedules ${ARGN})
  string(REGEX MATCHALL "\nlisted [0-9]+: [^ \n]+" lines "\n${out}")
  set(list "")
  foreach(l ${lines})
    string(REGEX REPLACE "\nlisted [0-9]+: " "" t "${l}")
    list(APPEND list "${t}")
  endforeach()
  set(${out_var} "${list}" PARENT_SCOPE)
endfunction()

foreach(args "--mode dfs --preemptions 1" "--mode pct --runs 60"
    "--mode random --runs 60")
  separate_arguments(a UNIX_COMMAND "${args}")
  tokens(whole ${a} "${PASSING}")
  list(LENGTH whole n)
  if(n LESS 40)
    message(FATAL_ERROR "${args}: only ${n} schedules listed")
  endif()
  set(parts "")
  foreach(i 0 1 2)
    tokens(part ${a} --shard ${i}/3 "${PASSING}")
    list(LENGTH part k)
    if(k EQUAL 0 OR k EQUAL n)
      message(FATAL_ERROR "${args} --shard ${i}/3: ${k} of ${n} schedules")
    endif()
    list(APPEND parts ${part})
  endforeach()
  list(SORT whole)
  list(SORT parts)
  if(NOT parts STREQUAL whole)
    list(LENGTH parts np)
    message(FATAL_ERROR "${args}: the 3 shards ran ${np} schedules, not the ${n} of one run")
  endif()
  message(STATUS "${args}: 3 shards ran the ${n} schedules of one run, each once")
endforeach()

# 3. --max-time and SIGINT: a summary of what ran.
# (LONG has far too many schedules within 5 preemptions to finish.)
execute_process(COMMAND "${SHMSIM}" explore --preemptions 5 --max-time 0.3
    "${LONG}" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc STREQUAL "0" OR NOT out MATCHES
    "dfs: not exhaustive: stopped at --max-time \\(bound 5 preemptions\\): [0-9]+ schedules? in [^\n]*\n[0-9]+ passed, 0 failed\n$")
  message(FATAL_ERROR "--max-time (exit ${rc}):\n${out}")
endif()
# SIGINT once the exploration has begun (its first line is out, so the
# handler is in place), as ^C would.  Shell builtins only in the loop:
# under valgrind.sh every command runs under memcheck, whose exit status
# for a tool's own leaks would read as "not yet".
execute_process(COMMAND sh -c "
    \"$0\" explore -j 2 --preemptions 5 \"$1\" > \"$2\" &
    pid=$!
    line=
    while :; do
      read -r line < \"$2\" || true
      case $line in explore*) break ;; esac
      sleep 0.1
    done
    sleep 0.3
    kill -INT $pid
    wait $pid" "${SHMSIM}" "${LONG}" "${WORK}/sigint.out"
  RESULT_VARIABLE rc)
file(READ "${WORK}/sigint.out" out)
if(NOT rc STREQUAL "130" OR NOT out MATCHES
    "dfs: not exhaustive: interrupted \\(SIGINT\\) [^\n]*: [0-9]+ schedules? in [^\n]*\n[0-9]+ passed, 0 failed\n$")
  message(FATAL_ERROR "SIGINT (exit ${rc}):\n${out}")
endif()
message(STATUS "--max-time and SIGINT end with a summary")

# 4. Bad values: a message naming the option and exit status 2.
foreach(args "--shard 3/3" "--shard 1" "--shard 0/0" "--max-time 0"
    "--max-time x" "-j 0" "--jobs 257" "--depth 65"
    "--replay 2-00000000 -j 2" "--replay 9-00000000"
    "--replay ${FAILING}")
  separate_arguments(a UNIX_COMMAND "${args}")
  execute_process(COMMAND "${SHMSIM}" explore ${a} "${FAILING}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc STREQUAL "2" OR NOT err MATCHES "^shmsim: ")
    message(FATAL_ERROR "explore ${args}: exit ${rc}, expected 2:\n${out}${err}")
  endif()
endforeach()
message(STATUS "bad values of the new options are refused")
