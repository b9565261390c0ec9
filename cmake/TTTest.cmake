# tt_add_tests(NAME SOURCES... [LIBS libs...]): one executable, one ctest
# entry per TEST(x) found in its sources, named NAME.x.
# TT_TEST_LAUNCHER runs every such test under a tool, e.g.
#   -DTT_TEST_LAUNCHER="valgrind;-q;--error-exitcode=1" (scripts/test.sh --valgrind)
set(TT_TEST_LAUNCHER "" CACHE STRING "Command prefix for test programs (e.g. valgrind)")
# TT_TEST_TIMEOUT_SCALE multiplies every test's timeout (valgrind: 4). Each
# test also gets TT_TEST_TIMEOUT, 10 s below ctest's, so that the harness
# reports a hung test and ends its processes and removes its directory
# itself (ctest's timeout SIGKILLs and leaves them behind).
set(TT_TEST_TIMEOUT_SCALE 1 CACHE STRING "Multiplier of every test's timeout")
add_library(tt-test-harness STATIC ${CMAKE_SOURCE_DIR}/tests/harness/tt_test.c
  ${CMAKE_SOURCE_DIR}/tests/harness/supervise.c)
target_include_directories(tt-test-harness PUBLIC ${CMAKE_SOURCE_DIR}/tests/harness)
target_link_libraries(tt-test-harness PUBLIC tasktrace-base) # the clock
# tt-run runs the suite's scripts the same way (tests/harness/tt_run.c):
# add_test(NAME x COMMAND tt-run x SECONDS -- sh script.sh ...).
add_executable(tt-run ${CMAKE_SOURCE_DIR}/tests/harness/tt_run.c
  ${CMAKE_SOURCE_DIR}/tests/harness/supervise.c)
target_include_directories(tt-run PRIVATE ${CMAKE_SOURCE_DIR}/tests/harness)
target_link_libraries(tt-run PRIVATE tasktrace-base)
set_target_properties(tt-run PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)

function(tt_add_tests name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  math(EXPR T_TIMEOUT "${T_TIMEOUT} * ${TT_TEST_TIMEOUT_SCALE}")
  math(EXPR T_INNER "${T_TIMEOUT} - 10")
  add_executable(test-${name} ${T_SOURCES})
  set_target_properties(test-${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(test-${name} PRIVATE tt-test-harness ${T_LIBS})
  foreach(src ${T_SOURCES})
    file(READ ${src} content)
    string(REGEX MATCHALL "\nTEST\\(([A-Za-z0-9_]+)\\)" found "${content}")
    foreach(m ${found})
      string(REGEX REPLACE "\nTEST\\(([A-Za-z0-9_]+)\\)" "\\1" tname "${m}")
      add_test(NAME ${name}.${tname} COMMAND ${TT_TEST_LAUNCHER} $<TARGET_FILE:test-${name}> ${tname})
      set_tests_properties(${name}.${tname} PROPERTIES TIMEOUT ${T_TIMEOUT} SKIP_RETURN_CODE 77
        ENVIRONMENT "TT_BIN_DIR=${CMAKE_BINARY_DIR}/bin;TT_SOURCE_DIR=${CMAKE_SOURCE_DIR};TT_TEST_TIMEOUT=${T_INNER}")
      if(T_LABELS)
        set_tests_properties(${name}.${tname} PROPERTIES LABELS "${T_LABELS}")
      endif()
    endforeach()
  endforeach()
endfunction()
