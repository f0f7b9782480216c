# The libraries users link: lib/libshmsim.so and lib/libshmsim.a in the
# build directory, both exporting the shmsim_ API only.
#
# The model keeps the kernel's names inside (fget, vm_object_allocate,
# shm_drop, ...): fidelity needs them, and a client must still be free to
# define its own.  Every object of the in-tree `shmsim` archive is compiled
# with hidden visibility, the public functions marked default
# (SHMSIM_EXTERN), so:
#  - the shared library exports the default-visibility symbols only;
#  - the static library is one relocatable object: `ld -r` joins the
#    objects (internal references are resolved there), then
#    `objcopy --localize-hidden` turns every hidden symbol local, so a
#    client's own fget neither clashes with the model's nor is taken by it.
# tests/install/check_exports.sh fails on any other symbol either exports.

set(SHMSIM_LIB_DIR ${CMAKE_BINARY_DIR}/lib)

# The shared library: the same position-independent objects.
add_library(shmsim_shared SHARED $<TARGET_OBJECTS:shmsim>)
target_link_libraries(shmsim_shared PRIVATE Threads::Threads PkgConfig::LIBBSD)
set_target_properties(shmsim_shared PROPERTIES
  OUTPUT_NAME shmsim
  LIBRARY_OUTPUT_DIRECTORY ${SHMSIM_LIB_DIR}
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR})
# No undefined symbol may be left for the client to supply -- except in
# clang's sanitizer builds, whose runtime only the executable links.
if(NOT CMAKE_C_FLAGS MATCHES "-fsanitize")
  target_link_options(shmsim_shared PRIVATE "LINKER:--no-undefined")
endif()

# The static library, localized.
set(SHMSIM_STATIC_LIB ${SHMSIM_LIB_DIR}/libshmsim.a)
set(_shmsim_joined ${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/shmsim-joined.o)
add_custom_command(
  OUTPUT ${SHMSIM_STATIC_LIB}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SHMSIM_LIB_DIR}
  COMMAND ${CMAKE_LINKER} -r -o ${_shmsim_joined} $<TARGET_OBJECTS:shmsim>
  COMMAND ${CMAKE_OBJCOPY} --localize-hidden --wildcard
    --remove-section=.gnu.lto_* --remove-section=.gnu.debuglto_*
    ${_shmsim_joined}
  COMMAND ${CMAKE_COMMAND} -E rm -f ${SHMSIM_STATIC_LIB}
  COMMAND ${CMAKE_AR} qc ${SHMSIM_STATIC_LIB} ${_shmsim_joined}
  COMMAND ${CMAKE_RANLIB} ${SHMSIM_STATIC_LIB}
  DEPENDS shmsim $<TARGET_OBJECTS:shmsim>
  COMMAND_EXPAND_LISTS
  COMMENT "Joining libshmsim.a into one object with only shmsim_ symbols global"
  VERBATIM)
add_custom_target(shmsim_static ALL DEPENDS ${SHMSIM_STATIC_LIB})
