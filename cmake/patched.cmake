# Build the model from a patched copy of its sources (docs/patch-workflow.md,
# docs/planted-bugs.md).
#
#   shmsim_patched(NAME PATCH [ALL])
#
# PATCH is a unified diff that `git apply` accepts from the repository
# root (paths a/src/... b/src/...) and that changes files of the `shmsim`
# library under src/ only: it may neither create nor delete a file.  At
# build time the files it touches are copied, with every header of src/,
# into ${CMAKE_BINARY_DIR}/patched/NAME/src/ and PATCH is applied there.
# src/ itself is never written.  Targets:
#
#   shmsim-patched-NAME-lib  a static library: the patched copies, plus
#                            the objects of the real `shmsim` library for
#                            every source the patch leaves alone (compiled
#                            once, for the real build and every variant);
#   shmsim-patched-NAME      the `shmsim` command linked with it.
#
# Both are left out of `all` unless ALL is given.  The library target has
# the properties SHMSIM_PATCHED_SRC_DIR, the patched src/ directory, and
# SHMSIM_PATCHED_HEADERS, true when the patch changes a header there: code
# that includes the model's private headers (unit tests) must then be
# compiled against that directory.
#
# A patch that no longer applies (its context is gone from src/) fails the
# build of shmsim-patched-NAME-lib with the patch tool's message; the
# copies are made in a scratch directory first, so a failed application
# leaves nothing half-patched behind and the next build tries again.
#
# If the patch touches a header of src/, every source of the library is
# compiled from the patched copy (the real objects were built with the old
# header); otherwise only the touched .c files are.

if(COMMAND shmsim_patched)
  return()
endif()

find_package(Git QUIET)
find_program(SHMSIM_PATCH_PROGRAM patch)
if(NOT GIT_EXECUTABLE AND NOT SHMSIM_PATCH_PROGRAM)
  message(WARNING "patched.cmake: neither git nor patch(1) found; "
    "shmsim_patched() targets will fail to build")
endif()

set(SHMSIM_PATCHED_APPLY ${CMAKE_CURRENT_LIST_DIR}/patched_apply.cmake)

# The command's own sources outside the scenario library: compiled once
# for every patched command.
function(_shmsim_patched_main)
  if(TARGET shmsim_patched_main)
    return()
  endif()
  add_library(shmsim_patched_main OBJECT EXCLUDE_FROM_ALL
    ${PROJECT_SOURCE_DIR}/tools/shmsim/main.c)
  target_include_directories(shmsim_patched_main
    PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/tools/shmsim)
  target_link_libraries(shmsim_patched_main PRIVATE PkgConfig::LIBBSD)
endfunction()

# The paths (relative to the repository root) a unified diff touches.
function(_shmsim_patch_files out patch)
  file(STRINGS "${patch}" lines REGEX "^(\\+\\+\\+|---) ")
  set(files "")
  foreach(l ${lines})
    # "+++ b/src/x.c<TAB>date" -> "src/x.c"
    string(REGEX REPLACE "^(\\+\\+\\+|---) " "" p "${l}")
    string(REGEX REPLACE "\t.*$" "" p "${p}")
    if(p STREQUAL "/dev/null")
      message(FATAL_ERROR "shmsim_patched: ${patch} creates or deletes a "
        "file; a patched build only changes existing sources")
    endif()
    string(REGEX REPLACE "^[ab]/" "" p "${p}")
    list(APPEND files "${p}")
  endforeach()
  list(REMOVE_DUPLICATES files)
  if(NOT files)
    message(FATAL_ERROR "shmsim_patched: ${patch} is not a unified diff")
  endif()
  set(${out} "${files}" PARENT_SCOPE)
endfunction()

function(shmsim_patched name patch)
  cmake_parse_arguments(PARSE_ARGV 2 arg "ALL" "" "")
  if(NOT IS_ABSOLUTE "${patch}")
    set(patch "${CMAKE_CURRENT_SOURCE_DIR}/${patch}")
  endif()
  if(NOT EXISTS "${patch}")
    message(FATAL_ERROR "shmsim_patched(${name}): no file ${patch}")
  endif()
  # Editing the patch changes the set of touched files: reconfigure.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${patch}")

  set(root ${PROJECT_SOURCE_DIR})
  set(dest ${CMAKE_BINARY_DIR}/patched/${name})
  get_target_property(lib_srcs shmsim SOURCES)
  # The library's sources, relative to the root.
  set(lib_rel "")
  foreach(s ${lib_srcs})
    if(IS_ABSOLUTE "${s}")
      file(RELATIVE_PATH s "${root}" "${s}")
    endif()
    list(APPEND lib_rel "${s}")
  endforeach()
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS RELATIVE "${root}"
    "${root}/src/*.h")

  _shmsim_patch_files(touched "${patch}")
  set(header_touched FALSE)
  foreach(f ${touched})
    if(f IN_LIST headers)
      set(header_touched TRUE)
    elseif(NOT f IN_LIST lib_rel)
      message(FATAL_ERROR "shmsim_patched(${name}): ${patch} touches ${f}, "
        "which is not a source or header of the shmsim library under src/")
    endif()
  endforeach()

  # The .c files compiled from the patched copy.
  if(header_touched)
    set(compiled ${lib_rel})
  else()
    set(compiled "")
    foreach(f ${touched})
      if(f MATCHES "\\.c$")
        list(APPEND compiled "${f}")
      endif()
    endforeach()
  endif()
  set(copied ${compiled} ${headers})
  list(REMOVE_DUPLICATES copied)

  set(outputs "")
  set(inputs "")
  foreach(f ${copied})
    list(APPEND outputs "${dest}/${f}")
    list(APPEND inputs "${root}/${f}")
  endforeach()
  string(REPLACE ";" ":" copied_arg "${copied}")
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${CMAKE_COMMAND}
      -DNAME=${name} -DPATCH=${patch} -DROOT=${root} -DDEST=${dest}
      -DFILES=${copied_arg} -DGIT=${GIT_EXECUTABLE}
      -DPATCH_PROGRAM=${SHMSIM_PATCH_PROGRAM}
      -P ${SHMSIM_PATCHED_APPLY}
    DEPENDS ${patch} ${inputs} ${SHMSIM_PATCHED_APPLY}
    COMMENT "Applying ${patch} to a copy of src/ (shmsim-patched-${name})"
    VERBATIM)

  # Objects of the real library for the sources left alone.
  set(exclude "")
  foreach(f ${compiled})
    string(REGEX REPLACE "([.+])" "[\\1]" re "${f}")
    list(APPEND exclude "${re}")
  endforeach()
  set(lib_objects $<TARGET_OBJECTS:shmsim>)
  if(exclude)
    list(JOIN exclude "|" re)
    set(lib_objects "$<FILTER:${lib_objects},EXCLUDE,[.]dir/([.]/)?(${re})[.]o$>")
  endif()

  set(excl EXCLUDE_FROM_ALL)
  if(arg_ALL)
    set(excl "")
  endif()
  set(patched_files "")
  foreach(f ${copied})
    list(APPEND patched_files "${dest}/${f}")
  endforeach()
  add_library(shmsim-patched-${name}-lib STATIC ${excl}
    ${patched_files} "${lib_objects}")
  target_include_directories(shmsim-patched-${name}-lib
    PUBLIC ${root}/include
    PRIVATE ${dest}/src)
  target_link_libraries(shmsim-patched-${name}-lib
    PUBLIC Threads::Threads PkgConfig::LIBBSD)
  set_target_properties(shmsim-patched-${name}-lib PROPERTIES
    SHMSIM_PATCHED_SRC_DIR ${dest}/src
    SHMSIM_PATCHED_HEADERS ${header_touched})

  _shmsim_patched_main()
  add_executable(shmsim-patched-${name} ${excl}
    $<TARGET_OBJECTS:shmsim_patched_main> $<TARGET_OBJECTS:shmsim_scenario>)
  target_link_libraries(shmsim-patched-${name}
    PRIVATE shmsim-patched-${name}-lib)
  # The scenario objects pack --html pages with zlib when it was found.
  if(TARGET ZLIB::ZLIB)
    target_link_libraries(shmsim-patched-${name} PRIVATE ZLIB::ZLIB)
  endif()
endfunction()
