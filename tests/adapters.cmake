# SPDX-License-Identifier: MIT
# Crawler adapter tests: payloads from tests/fixtures/formats and hostile fixtures, no network.
urs_unit_test(adapters unit/test_adapters.c unit/adapters_tu.c LIBS urs_crawler)
urs_unit_test(adapters_web unit/test_adapters_web.c unit/adapters_tu.c LIBS urs_crawler)
urs_unit_test(adapters_hostile unit/test_adapters_hostile.c unit/adapters_tu.c LIBS urs_crawler)

# Fuzzing (RELIABILITY P6): every build replays each harness over tests/fuzz/corpus,
# tests/fuzz/regress and tests/fixtures/formats under the sanitizers; with URSCOUT_FUZZ=ON and clang
# (CC=clang) the same harnesses are also built as libFuzzer targets fuzz_<harness>.
# `make fuzz` runs every target for FUZZ_SECONDS (scripts/fuzz.sh).
option(URSCOUT_FUZZ "Build the libFuzzer harnesses (needs clang)" OFF)
# harness:library it needs (each library brings its own dependencies)
set(URS_FUZZ_HARNESSES json:urs_crawler jsonld:urs_crawler xml:urs_crawler html:urs_crawler
    text:urs_common robots:urs_crawler ini:urs_config classify:urs_classifier
    mime:urs_notifier token:urs_notifier router:urs_web form:urs_web web:urs_web csv:urs_cli)
foreach(entry ${URS_FUZZ_HARNESSES})
  string(REPLACE ":" ";" parts ${entry})
  list(GET parts 0 harness)
  list(GET parts 1 lib)
  urs_unit_test(fuzz_replay_${harness} fuzz/fuzz_${harness}.c fuzz/fuzz_common.c fuzz/replay.c
                LIBS ${lib} urs_common)
  target_compile_definitions(test_fuzz_replay_${harness} PRIVATE URS_FUZZ_NAME="${harness}")
endforeach()
# fuzz_csv checks the CSV reader against libcsv's strict parser (a test-only dependency)
find_library(URS_LIBCSV csv)
if(NOT URS_LIBCSV)
  message(FATAL_ERROR "libcsv not found: install the Debian package libcsv-dev "
                      "(or run scripts/install-deps.sh)")
endif()
target_link_libraries(test_fuzz_replay_csv PRIVATE ${URS_LIBCSV})
if(URSCOUT_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "URSCOUT_FUZZ needs clang: configure with CC=clang")
  endif()
  foreach(lib urs_common urs_crawler urs_config urs_classifier urs_notifier urs_web urs_cli)
    target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link)
  endforeach()
  # web/server.c hands libmicrohttpd's format string to vsnprintf in a callback without a
  # format attribute, which clang's -Wformat-nonliteral (from -Wformat=2) refuses; gcc accepts it.
  target_compile_options(urs_web PRIVATE -Wno-format-nonliteral)
  set(URS_FUZZ_TARGETS "")
  foreach(entry ${URS_FUZZ_HARNESSES})
    string(REPLACE ":" ";" parts ${entry})
    list(GET parts 0 harness)
    list(GET parts 1 lib)
    add_executable(fuzz_${harness} fuzz/fuzz_${harness}.c fuzz/fuzz_common.c)
    target_include_directories(fuzz_${harness} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
    target_compile_options(fuzz_${harness} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${harness} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(fuzz_${harness} PRIVATE ${lib} urs_common)
    list(APPEND URS_FUZZ_TARGETS fuzz_${harness})
  endforeach()
  target_link_libraries(fuzz_csv PRIVATE ${URS_LIBCSV})
  add_custom_target(fuzz_all DEPENDS ${URS_FUZZ_TARGETS})
endif()
