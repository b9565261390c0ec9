# What `cmake --install` puts in a prefix, and the ways to build against it
# (README "Using tasktrace in your project"):
#   libtasktrace.so.0 and libtasktrace.a: the runtime with what it stands on
#     (emit, the format, the schema, base) in one library; only the API
#     (TT_EXTERN) is exported from the shared one;
#   the public headers: <tasktrace/tasktrace.h> (programs), ttrace.h and
#     schema.h (tools that read traces), defs.h;
#   tasktrace, tasktraced, the LTTng provider, tasktrace.pc, and the CMake
#     package `tasktrace` (targets tasktrace::tasktrace, the shared library,
#     tasktrace::tasktrace_static, tasktrace::race, the race detector's
#     runtime, and the function tasktrace_race_instrument(target));
#   cpack -G DEB builds a .deb of all of it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TT_LIB_OBJECTS $<TARGET_OBJECTS:tasktrace> $<TARGET_OBJECTS:tasktrace-emit>
  $<TARGET_OBJECTS:tasktrace-format> $<TARGET_OBJECTS:tasktrace-schema>
  $<TARGET_OBJECTS:tasktrace-base>)
set(TT_PUBLIC_INCLUDES
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/runtime/include>
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/base/include>
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/tracer/schema/include>
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/tracer/format/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
foreach(kind SHARED STATIC)
  string(TOLOWER ${kind} k)
  add_library(tasktrace-${k} ${kind} ${TT_LIB_OBJECTS})
  set_target_properties(tasktrace-${k} PROPERTIES OUTPUT_NAME tasktrace
    ARCHIVE_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib)
  target_include_directories(tasktrace-${k} INTERFACE ${TT_PUBLIC_INCLUDES})
  target_link_libraries(tasktrace-${k} PUBLIC PkgConfig::LIBUV Threads::Threads
    PRIVATE ${TT_DEFLATE_LIBS} ${CMAKE_DL_LIBS})
endforeach()
set_target_properties(tasktrace-shared PROPERTIES EXPORT_NAME tasktrace
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
set_target_properties(tasktrace-static PROPERTIES EXPORT_NAME tasktrace_static)
# A static archive's private dependencies are still needed at link time.
foreach(lib ${TT_DEFLATE_LIBS})
  target_link_libraries(tasktrace-static INTERFACE $<LINK_ONLY:${lib}>)
endforeach()
target_link_libraries(tasktrace-static INTERFACE $<LINK_ONLY:${CMAKE_DL_LIBS}>)

install(TARGETS tasktrace-shared tasktrace-static EXPORT tasktrace-targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS tasktrace-cli tasktraced RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES runtime/include/tasktrace/tasktrace.h base/include/tasktrace/defs.h
  tracer/schema/include/tasktrace/schema.h tracer/format/include/tasktrace/ttrace.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tasktrace)

# The man pages, written from the programs' --help and the docs at build
# time (scripts/gen-man.sh), so that they cannot drift.
set(TT_MAN_DIR ${PROJECT_BINARY_DIR}/man)
add_custom_command(OUTPUT ${TT_MAN_DIR}/tasktrace.1 ${TT_MAN_DIR}/tasktraced.8 ${TT_MAN_DIR}/tasktrace.7
  COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/gen-man.sh $<TARGET_FILE_DIR:tasktrace-cli>
          ${PROJECT_SOURCE_DIR} ${TT_MAN_DIR}
  DEPENDS tasktrace-cli tasktraced ${PROJECT_SOURCE_DIR}/scripts/gen-man.sh
          ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/debug.md
  COMMENT "Writing the man pages from --help and the docs")
add_custom_target(tasktrace-man ALL DEPENDS ${TT_MAN_DIR}/tasktrace.1)
install(FILES ${TT_MAN_DIR}/tasktrace.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${TT_MAN_DIR}/tasktrace.7 DESTINATION ${CMAKE_INSTALL_MANDIR}/man7)
install(FILES ${TT_MAN_DIR}/tasktraced.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)

# bash completion, loaded by command name: one file under both names.
foreach(prog tasktrace tasktraced)
  install(FILES cli/completion.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
    RENAME ${prog})
endforeach()

# pkg-config: `pkg-config --cflags --libs tasktrace` (add --static for the .a).
set(TT_PC_LIBS_PRIVATE "-lz -ldl -lpthread")
set(TT_HAVE_LIBDEFLATE 0)
if(LIBDEFLATE_FOUND)
  set(TT_PC_LIBS_PRIVATE "-ldeflate ${TT_PC_LIBS_PRIVATE}")
  set(TT_HAVE_LIBDEFLATE 1)
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/tasktrace.pc.in ${PROJECT_BINARY_DIR}/tasktrace.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tasktrace.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# find_package(tasktrace CONFIG): the exported targets, and libuv's
# imported target which they name.
install(EXPORT tasktrace-targets NAMESPACE tasktrace::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tasktrace)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tasktrace-config.cmake.in
  ${PROJECT_BINARY_DIR}/tasktrace-config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tasktrace)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tasktrace-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tasktrace-config.cmake
  ${PROJECT_BINARY_DIR}/tasktrace-config-version.cmake ${PROJECT_SOURCE_DIR}/cmake/tasktrace-race.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tasktrace)

# add_subdirectory() / FetchContent: the same names as an installed package.
add_library(tasktrace::tasktrace ALIAS tasktrace-shared)
add_library(tasktrace::tasktrace_static ALIAS tasktrace-static)

# cpack -G DEB (from the build folder): one package with the Debian names
# of what the programs and the library load.
set(CPACK_PACKAGE_NAME tasktrace)
set(CPACK_PACKAGE_VENDOR "tasktrace")
set(CPACK_PACKAGE_CONTACT "tasktrace developers <tasktrace@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Task runtime on libuv with tracing, race replay and an offline viewer")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # dpkg-shlibdeps: libuv1, zlib1g, libbabeltrace2-0, ...
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libuv1-dev, zlib1g-dev, pkg-config")
if(LIBDEFLATE_FOUND)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libdeflate-dev")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "lttng-tools")
include(CPack)
