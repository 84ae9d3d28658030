# envsetup_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>])
#
# Builds plugins/<name> as the MODULE `<name>.so` in the build tree's
# plugins/ folder (where `envsetup` looks first) with hidden visibility,
# exactly one exported symbol (envsetup_plugin_entry, by version script) and
# -z defs, so a plugin cannot bind to core symbols: it reaches the core only
# through the host table. Plugins link no libcurl, libconfig or cJSON.
# Out-of-tree plugins include this file and set ENVSETUP_INCLUDE_DIR.
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
    install(TARGETS ${name} LIBRARY DESTINATION ${ENVSETUP_PLUGIN_INSTALL_DIR})
  endif()
endfunction()

# envsetup_add_plugin_test(<plugin> <test.c> [LIBRARIES <targets...>])
#
# A plugin's own unit test (plugins/<name>/tests/test_*.c, Check), built
# from the plugin's sources against a mock host, registered with CTest as
# unit.<test>. In this tree the shared mock host (tests/support/mock_host.c)
# is compiled in, and borrows the core's pure services (the JSON table)
# from envsetup_core. Only when the tree builds its tests (ENVSETUP_TESTS).
function(envsetup_add_plugin_test plugin source)
  if(NOT ENVSETUP_TESTS)
    return()
  endif()
  cmake_parse_arguments(TEST "" "" "LIBRARIES" ${ARGN})
  get_filename_component(_name ${source} NAME_WE)
  add_executable(${_name} ${source})
  target_include_directories(${_name} PRIVATE ${ENVSETUP_INCLUDE_DIR}
                                               ${CMAKE_CURRENT_SOURCE_DIR})
  # In this tree, the shared mock host (tests/support/mock_host.h).
  if(TARGET envsetup_core AND
     EXISTS ${CMAKE_SOURCE_DIR}/tests/support/mock_host.c)
    target_sources(${_name} PRIVATE
                   ${CMAKE_SOURCE_DIR}/tests/support/mock_host.c)
    target_include_directories(${_name} PRIVATE
                               ${CMAKE_SOURCE_DIR}/tests/support)
  endif()
  target_link_libraries(${_name} PRIVATE PkgConfig::CHECK ${TEST_LIBRARIES})
  if(TARGET envsetup_core)
    target_link_libraries(${_name} PRIVATE envsetup_core)
  endif()
  add_test(NAME unit.${_name} COMMAND ${_name})
  set_tests_properties(unit.${_name} PROPERTIES LABELS "unit;plugin-${plugin}")
endfunction()
