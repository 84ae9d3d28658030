# What `cmake --install` puts beside the program for people (component
# runtime): the man pages envsetup(1), envsetup.cfg(5), envsetup-plugin(7)
# (docs/man/, roff), one envsetup-NAME(7) per bundled plugin made at build
# time from its descriptor by the built binary (scripts/gen-plugin-man, the
# same data as docs/plugins/NAME.md), and the bash completion.
# Include after add_subdirectory(plugins): it reads their list.
find_package(Python3 REQUIRED COMPONENTS Interpreter)

install(FILES docs/man/envsetup.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        COMPONENT runtime)
install(FILES docs/man/envsetup.cfg.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5
        COMPONENT runtime)
install(FILES docs/man/envsetup-plugin.7
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man7 COMPONENT runtime)

get_property(_es_plugins GLOBAL PROPERTY ENVSETUP_PLUGINS)
set(_es_man_dir ${CMAKE_BINARY_DIR}/man)
set(_es_plugin_pages)
foreach(_plugin ${_es_plugins})
  list(APPEND _es_plugin_pages ${_es_man_dir}/envsetup-${_plugin}.7)
endforeach()
add_custom_command(OUTPUT ${_es_plugin_pages}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_es_man_dir}
  # Leaks are the tests' to find; a sanitized build still makes its pages.
  COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
          $<TARGET_FILE:Python3::Interpreter> ${CMAKE_SOURCE_DIR}/scripts/gen-plugin-man
          --bin $<TARGET_FILE:envsetup>
          --plugin-dir ${ENVSETUP_PLUGIN_OUTPUT_DIR} --out ${_es_man_dir}
          ${_es_plugins}
  DEPENDS envsetup ${_es_plugins} ${CMAKE_SOURCE_DIR}/scripts/gen-plugin-man
  COMMENT "Man pages of the bundled plugins, from their descriptors"
  VERBATIM)
add_custom_target(envsetup_plugin_man ALL DEPENDS ${_es_plugin_pages})
install(FILES ${_es_plugin_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man7
        COMPONENT runtime)

install(FILES scripts/envsetup-completion.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME envsetup COMPONENT runtime)
