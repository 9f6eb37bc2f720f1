# SPDX-License-Identifier: MIT
# Faults and load (RELIABILITY D1, D2, D4, N6 and issue 11): kill -9 at random moments, disk
# full, a thousand misbehaving sources, a flaky mail server. Randomised tests print their seed;
# URS_FAULT_SEED=N replays one. Label `faults` (ctest -L faults).
add_library(urs_test_fault STATIC integration/fault_util.c integration/proc.c)
target_link_libraries(urs_test_fault PUBLIC urs_testutil PkgConfig::SQLITE)
target_include_directories(urs_test_fault PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/integration)

urs_unit_test(kill integration/test_kill.c LIBS urs_test_fault urs_test_httpd PkgConfig::JANSSON
              LABELS "integration;faults")
add_dependencies(test_kill urscout)

urs_unit_test(diskfull integration/test_diskfull.c LIBS urs_test_fault urs_test_httpd
              LABELS "integration;faults")
add_dependencies(test_diskfull urscout)

urs_unit_test(load integration/test_load.c LIBS urs_test_fault urs_test_httpd
              LABELS "integration;faults")
add_dependencies(test_load urscout)

urs_unit_test(smtp_flaky integration/test_smtp_flaky.c LIBS urs_test_fault PkgConfig::JANSSON
              LABELS "integration;faults")
add_dependencies(test_smtp_flaky urscout)
