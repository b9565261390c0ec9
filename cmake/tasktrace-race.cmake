# tasktrace_race_instrument(target): build target's C and C++ sources with
# the compiler's ThreadSanitizer instrumentation and link the race runtime
# (tasktrace::race) in place of ThreadSanitizer's (docs/race.md).
# One body for every way in: the tree (race/CMakeLists.txt, and so
# add_subdirectory/FetchContent) and the installed package
# (tasktrace-config.cmake) include this file; the compile line is the one of
# tasktrace-cc and tasktrace-race.pc.
#
# tasktrace::race carries the runtime it hooks into (the static one), the
# --wrap link options that route the heap through it: link nothing else of
# tasktrace.
# -fsanitize=thread is a compile option only: at link time it would pull
# ThreadSanitizer's runtime in, whose __tsan_* entry points are ours.
function(tasktrace_race_instrument target)
  if(NOT TARGET ${target})
    message(FATAL_ERROR "tasktrace_race_instrument: '${target}' is not a target")
  endif()
  if(NOT TARGET tasktrace::race)
    message(FATAL_ERROR "tasktrace_race_instrument: no tasktrace::race target "
      "(find_package(tasktrace CONFIG) or add_subdirectory() of tasktrace first)")
  endif()
  # The shared runtime beside the static one tasktrace::race brings would
  # be two runtimes in one program, and the race runtime would watch one.
  get_target_property(libs ${target} LINK_LIBRARIES)
  foreach(shared tasktrace::tasktrace tasktrace-shared)
    if(libs AND shared IN_LIST libs)
      message(FATAL_ERROR "tasktrace_race_instrument: '${target}' links ${shared} (the shared "
        "runtime); tasktrace::race brings the static one: link it alone")
    endif()
  endforeach()
  # Function entry/exit hooks are not needed (reports are symbolized from
  # the access sites); each compiler spells the switch its own way.
  set(clang "$<OR:$<COMPILE_LANG_AND_ID:C,Clang,AppleClang>,$<COMPILE_LANG_AND_ID:CXX,Clang,AppleClang>>")
  target_compile_options(${target} PRIVATE -fsanitize=thread
    "$<${clang}:SHELL:-mllvm -tsan-instrument-func-entry-exit=0>"
    "$<$<NOT:${clang}>:SHELL:--param tsan-instrument-func-entry-exit=0>")
  target_link_libraries(${target} PRIVATE tasktrace::race)
endfunction()
