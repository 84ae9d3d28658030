# The SDK, installed for plugins built out of tree; `cmake --install BUILD
# --component sdk` installs this part alone, a plain `cmake --install` the
# program too. What it installs:
#   include/envsetup/*.h                   the headers (the reference)
#   lib/cmake/envsetup/                    envsetupConfig.cmake and its
#     version file (find_package(envsetup 2.1)), EnvsetupPlugin.cmake
#     (envsetup_add_plugin, envsetup_add_plugin_test) and plugin.map
#   lib/pkgconfig/envsetup.pc              Cflags for the headers
#   lib/libenvsetup_mock_host.a            (tests/support/CMakeLists.txt)
# The package's version is the plugin ABI's (version.h), not the release's:
# find_package(envsetup 2.1) asks for an SDK whose plugins a 2.x core of
# minor 1 or later loads, the loader's own rule (SameMajorVersion).
include(CMakePackageConfigHelpers)

file(STRINGS ${ENVSETUP_INCLUDE_DIR}/envsetup/version.h _es_version_lines
     REGEX "^#define ES_(ABI_MAJOR|ABI_MINOR|VERSION_STRING) ")
foreach(_line ${_es_version_lines})
  if(_line MATCHES "^#define ES_([A-Z_]+) \"?([0-9.]+)\"?")
    set(_es_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
  endif()
endforeach()
set(ENVSETUP_ABI_VERSION ${_es_ABI_MAJOR}.${_es_ABI_MINOR})
set(ENVSETUP_RELEASE ${_es_VERSION_STRING})

set(_es_cmake_install_dir ${CMAKE_INSTALL_LIBDIR}/cmake/envsetup)
configure_package_config_file(cmake/envsetupConfig.cmake.in
  ${CMAKE_BINARY_DIR}/sdk/envsetupConfig.cmake
  INSTALL_DESTINATION ${_es_cmake_install_dir}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR
            CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(
  ${CMAKE_BINARY_DIR}/sdk/envsetupConfigVersion.cmake
  VERSION ${ENVSETUP_ABI_VERSION} COMPATIBILITY SameMajorVersion)

# envsetup.pc finds its prefix from its own folder (${pcfiledir}), so that
# an install moved or made with --prefix stays right.
set(_es_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH _es_pc_to_prefix /${_es_pc_dir} /)
string(REGEX REPLACE "/$" "" ENVSETUP_PC_PREFIX "\${pcfiledir}/${_es_pc_to_prefix}")
configure_file(cmake/envsetup.pc.in ${CMAKE_BINARY_DIR}/sdk/envsetup.pc @ONLY)

install(DIRECTORY include/envsetup DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT sdk)
install(FILES cmake/EnvsetupPlugin.cmake cmake/plugin.map
              ${CMAKE_BINARY_DIR}/sdk/envsetupConfig.cmake
              ${CMAKE_BINARY_DIR}/sdk/envsetupConfigVersion.cmake
        DESTINATION ${_es_cmake_install_dir} COMPONENT sdk)
install(FILES ${CMAKE_BINARY_DIR}/sdk/envsetup.pc DESTINATION ${_es_pc_dir}
        COMPONENT sdk)
