# SPDX-License-Identifier: MIT
# Crawler adapter tests: payloads from tests/fixtures/formats and hostile fixtures, no network.
urs_unit_test(adapters unit/test_adapters.c unit/adapters_tu.c LIBS urs_crawler)
urs_unit_test(adapters_web unit/test_adapters_web.c unit/adapters_tu.c LIBS urs_crawler)
urs_unit_test(adapters_hostile unit/test_adapters_hostile.c unit/adapters_tu.c LIBS urs_crawler)

# Fuzzing (RELIABILITY P6): every build replays each harness over tests/fuzz/corpus,
# tests/fuzz/regress and tests/fixtures/formats under the sanitizers; with URSCOUT_FUZZ=ON and clang
# (CC=clang) the same harnesses are also built as libFuzzer targets fuzz_<harness>.
option(URSCOUT_FUZZ "Build the libFuzzer harnesses (needs clang)" OFF)
set(URS_FUZZ_HARNESSES json jsonld xml html)
foreach(harness ${URS_FUZZ_HARNESSES})
  urs_unit_test(fuzz_replay_${harness} fuzz/fuzz_${harness}.c fuzz/fuzz_common.c fuzz/replay.c
                LIBS urs_crawler)
  target_compile_definitions(test_fuzz_replay_${harness} PRIVATE URS_FUZZ_NAME="${harness}")
endforeach()
if(URSCOUT_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "URSCOUT_FUZZ needs clang: configure with CC=clang")
  endif()
  foreach(lib urs_common urs_crawler)
    target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link)
  endforeach()
  foreach(harness ${URS_FUZZ_HARNESSES})
    add_executable(fuzz_${harness} fuzz/fuzz_${harness}.c fuzz/fuzz_common.c)
    target_include_directories(fuzz_${harness} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
    target_compile_options(fuzz_${harness} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${harness} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(fuzz_${harness} PRIVATE urs_crawler)
  endforeach()
endif()
