# Install rules (cmake --install BUILD --prefix P, make install PREFIX=P)
# and the Debian packages (make package, CPack).
#
# Components: `runtime` (the shmsim command, libshmsim.so.0, the command's
# man pages) and `dev` (headers, libshmsim.a, the libshmsim.so link,
# shmsim.pc, the CMake package, shmsim(3)); CPack makes one .deb of each,
# shmsim and shmsim-dev.
include(GNUInstallDirs)
# Installing (and packaging) builds what it installs, not every test.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
include(CMakePackageConfigHelpers)

install(TARGETS shmsim-cli RUNTIME
  DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(TARGETS shmsim_shared
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
    NAMELINK_COMPONENT dev)
install(FILES ${SHMSIM_STATIC_LIB}
  DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(FILES include/shmsim.h include/shmsim_explore.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(FILES docs/shmsim.1
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
install(FILES docs/shmsim-scenario.5
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man5 COMPONENT runtime)
install(FILES docs/shmsim.3
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man3 COMPONENT dev)

# pkg-config: `pkg-config --static --libs shmsim` adds what libshmsim.a
# needs (libbsd, threads).
set(SHMSIM_PC_LIBS_PRIVATE "-lbsd -pthread")
configure_file(cmake/shmsim.pc.in ${CMAKE_BINARY_DIR}/shmsim.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/shmsim.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# find_package(shmsim): shmsimConfig.cmake and its version file.
set(SHMSIM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/shmsim)
configure_package_config_file(cmake/shmsimConfig.cmake.in
  ${CMAKE_BINARY_DIR}/shmsimConfig.cmake
  INSTALL_DESTINATION ${SHMSIM_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_INCLUDEDIR
    CMAKE_INSTALL_BINDIR)
# 0.x: a minor version may break the API, so only the same minor matches.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/shmsimConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/shmsimConfig.cmake
  ${CMAKE_BINARY_DIR}/shmsimConfigVersion.cmake
  DESTINATION ${SHMSIM_CMAKE_DIR} COMPONENT dev)

install(FILES LICENSE README.md CHANGELOG.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)

# ---------------------------------------------------------------- CPack
set(CPACK_PACKAGE_NAME shmsim)
set(CPACK_PACKAGE_VENDOR "the shmsim developers")
set(CPACK_PACKAGE_CONTACT "shmsim developers <shmsim@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "userspace reference model of FreeBSD's POSIX shared memory")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME shmsim)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "libbsd0, libc6")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
  "userspace reference model of FreeBSD's POSIX shared memory
 shmsim models the FreeBSD kernel subsystem behind shm_open(2) and
 shm_unlink(2) (sys/kern/uipc_shm.c and what it stands on) with the
 kernel's function names, order of checks, errno values and reference
 counting. This package has the shmsim command, which runs, explores and
 checks scenarios, and the shared library.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME shmsim-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "shmsim (= ${PROJECT_VERSION}), libbsd-dev")
set(CPACK_DEBIAN_DEV_DESCRIPTION
  "userspace reference model of FreeBSD's POSIX shared memory (development)
 Headers, the static library, pkg-config and CMake package files and the
 shmsim(3) manual for programs that drive the shmsim model.")
include(CPack)
