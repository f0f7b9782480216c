# cmake -DNAME=n -DPATCH=file -DROOT=repo -DDEST=dir -DFILES=a:b:...
#       [-DGIT=git] [-DPATCH_PROGRAM=patch] -P patched_apply.cmake
#
# The build step of shmsim_patched() (cmake/patched.cmake): copy FILES
# (paths relative to ROOT) into a scratch directory, apply PATCH there,
# and only if it applies replace DEST with the result.  ROOT is only read.
cmake_minimum_required(VERSION 3.25)
foreach(v NAME PATCH ROOT DEST FILES)
  if(NOT DEFINED ${v} OR "${${v}}" STREQUAL "")
    message(FATAL_ERROR "patched_apply.cmake: -D${v}=... missing")
  endif()
endforeach()

string(REPLACE ":" ";" files "${FILES}")
set(scratch "${DEST}.new")
file(REMOVE_RECURSE "${scratch}")
foreach(f ${files})
  get_filename_component(d "${scratch}/${f}" DIRECTORY)
  file(MAKE_DIRECTORY "${d}")
  file(COPY_FILE "${ROOT}/${f}" "${scratch}/${f}")
endforeach()

# git apply outside any repository behaves like patch(1) but without
# fuzz; stop it from finding the repository the build directory may sit
# in (it would then apply relative to that repository's root).
get_filename_component(parent "${scratch}" DIRECTORY)
if(GIT)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env --unset=GIT_DIR --unset=GIT_WORK_TREE
      GIT_CEILING_DIRECTORIES=${parent}
      ${GIT} apply --verbose --whitespace=nowarn ${PATCH}
    WORKING_DIRECTORY "${scratch}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
elseif(PATCH_PROGRAM)
  execute_process(
    COMMAND ${PATCH_PROGRAM} -p1 --batch --forward --fuzz=0
      --no-backup-if-mismatch --reject-file=- -i ${PATCH}
    WORKING_DIRECTORY "${scratch}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
else()
  set(rc 1)
  set(out "neither git nor patch(1) is installed")
endif()

if(NOT rc EQUAL 0)
  file(REMOVE_RECURSE "${scratch}")
  # The tool's own words first, verbatim, then the verdict.
  message(NOTICE "${out}")
  message(FATAL_ERROR
    "shmsim-patched-${NAME}: ${PATCH} does not apply to src/ as it is "
    "now.  Bring the patch up to date with the model; `git apply --check "
    "PATCH` from the repository root says where it fails.")
endif()

file(REMOVE_RECURSE "${DEST}")
file(RENAME "${scratch}" "${DEST}")
