# envsetup_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>])
#
# Builds plugins/<name> as the MODULE `<name>.so` in the build tree's
# plugins/ folder (where `envsetup` looks first) with hidden visibility,
# exactly one exported symbol (envsetup_plugin_entry, by version script) and
# -z defs, so a plugin cannot bind to core symbols: it reaches the core only
# through the host table. Plugins link no libcurl, libconfig or cJSON.
# ENVSETUP_PLUGIN_INSTALL_DIR, when set, is where `cmake --install` puts it
# (lib/envsetup/plugins, relative to the install prefix: where an envsetup
# installed in the same prefix looks). The global property ENVSETUP_PLUGINS
# lists the plugins added. Out of tree, find_package(envsetup) sets all
# three variables and includes this file (cmake/envsetupConfig.cmake.in);
# a project may instead set ENVSETUP_INCLUDE_DIR (the installed include
# directory) and ENVSETUP_PLUGIN_OUTPUT_DIR, then include this file, which
# the SDK installs under lib/cmake/envsetup/.
get_filename_component(_envsetup_cmake_dir "${CMAKE_CURRENT_LIST_FILE}" DIRECTORY)

function(envsetup_add_plugin name)
  cmake_parse_arguments(PLUGIN "" "" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT PLUGIN_SOURCES)
    message(FATAL_ERROR "envsetup_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${PLUGIN_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    C_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${ENVSETUP_PLUGIN_OUTPUT_DIR})
  target_include_directories(${name} PRIVATE ${ENVSETUP_INCLUDE_DIR})
  target_link_options(${name} PRIVATE
    -Wl,-z,defs
    -Wl,--version-script=${_envsetup_cmake_dir}/plugin.map)
  if(PLUGIN_LIBRARIES)
    target_link_libraries(${name} PRIVATE ${PLUGIN_LIBRARIES})
  endif()
  if(ENVSETUP_PLUGIN_INSTALL_DIR)
    install(TARGETS ${name} LIBRARY DESTINATION ${ENVSETUP_PLUGIN_INSTALL_DIR}
            COMPONENT runtime)
  endif()
  set_property(GLOBAL APPEND PROPERTY ENVSETUP_PLUGINS ${name})
endfunction()

# envsetup_add_plugin_test(<plugin> <test.c> [LIBRARIES <targets...>])
#
# A plugin's own unit test (tests/test_*.c, Check), registered with CTest
# as unit.<test> (call enable_testing() first). The test compiles the
# plugin's sources in (`#include "../<name>.c"`, as the .so exports only
# its entry) and runs its tasks against the SDK's mock host,
# envsetup/mock_host.h, which it may also include as "mock_host.h". In
# this tree that is the target envsetup_mock_host; out of tree the
# installed libenvsetup_mock_host.a, found in the lib directory this file
# is installed under (lib/cmake/envsetup/../..) or next to
# ENVSETUP_INCLUDE_DIR, or named by ENVSETUP_MOCK_HOST_LIBRARY; it needs
# libcjson, and Check through pkg-config. Skipped when ENVSETUP_TESTS or
# BUILD_TESTING is OFF.
function(envsetup_add_plugin_test plugin source)
  if((DEFINED ENVSETUP_TESTS AND NOT ENVSETUP_TESTS) OR
     (DEFINED BUILD_TESTING AND NOT BUILD_TESTING))
    return()
  endif()
  cmake_parse_arguments(TEST "" "" "LIBRARIES" ${ARGN})
  if(NOT TARGET envsetup_mock_host)
    _envsetup_import_mock_host()
  endif()
  if(NOT TARGET PkgConfig::CHECK)
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(CHECK REQUIRED IMPORTED_TARGET GLOBAL check)
  endif()
  get_filename_component(_name ${source} NAME_WE)
  add_executable(${_name} ${source})
  target_include_directories(${_name} PRIVATE ${ENVSETUP_INCLUDE_DIR}
                                               ${CMAKE_CURRENT_SOURCE_DIR})
  # "mock_host.h" for quoted includes only, so that no bare host.h or
  # version.h of the SDK can shadow a system header.
  target_compile_options(${_name} PRIVATE
                         "SHELL:-iquote ${ENVSETUP_INCLUDE_DIR}/envsetup")
  target_link_libraries(${_name} PRIVATE envsetup_mock_host PkgConfig::CHECK
                        ${TEST_LIBRARIES})
  add_test(NAME unit.${_name} COMMAND ${_name})
  set_tests_properties(unit.${_name} PROPERTIES LABELS "unit;plugin-${plugin}")
endfunction()

# Out of tree: the installed mock host as the imported target
# envsetup_mock_host.
function(_envsetup_import_mock_host)
  find_library(ENVSETUP_MOCK_HOST_LIBRARY
    NAMES libenvsetup_mock_host.a envsetup_mock_host
    HINTS ${_envsetup_cmake_dir}/../.. ${ENVSETUP_INCLUDE_DIR}/../lib
          ${ENVSETUP_INCLUDE_DIR}/../lib64)
  find_library(ENVSETUP_CJSON_LIBRARY NAMES cjson)
  if(NOT ENVSETUP_MOCK_HOST_LIBRARY OR NOT ENVSETUP_CJSON_LIBRARY OR
     NOT EXISTS ${ENVSETUP_INCLUDE_DIR}/envsetup/mock_host.h)
    message(FATAL_ERROR "envsetup_add_plugin_test: needs the SDK's mock "
      "host (libenvsetup_mock_host.a: ${ENVSETUP_MOCK_HOST_LIBRARY}; "
      "${ENVSETUP_INCLUDE_DIR}/envsetup/mock_host.h) and libcjson "
      "(${ENVSETUP_CJSON_LIBRARY}): install envsetup's sdk component and "
      "set ENVSETUP_INCLUDE_DIR, or ENVSETUP_MOCK_HOST_LIBRARY")
  endif()
  add_library(envsetup_mock_host STATIC IMPORTED GLOBAL)
  set_target_properties(envsetup_mock_host PROPERTIES
    IMPORTED_LOCATION ${ENVSETUP_MOCK_HOST_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${ENVSETUP_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES ${ENVSETUP_CJSON_LIBRARY})
endfunction()
