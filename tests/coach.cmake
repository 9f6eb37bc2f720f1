# The coach desk's sign-in (web/coach_auth.c, db/coach.c): passwords, sessions, lockout, on a
# real SQLite file.
urs_unit_test(coach_auth unit/test_coach_auth.c LIBS urs_web PkgConfig::SQLITE PkgConfig::OPENSSL)
# The desk's pages through the server's dispatch: sign-in, only one's own cohorts, CSRF.
urs_unit_test(coach_desk unit/test_coach_desk.c LIBS urs_web PkgConfig::SQLITE)
# The desk in a real browser (label e2e), on the npm set-up of tests/web.cmake.
add_test(NAME coach_e2e COMMAND node ${CMAKE_SOURCE_DIR}/tests/e2e/coach.mjs)
set_tests_properties(coach_e2e PROPERTIES
                     FIXTURES_REQUIRED web_e2e_npm LABELS "e2e;integration" TIMEOUT 300
                     ENVIRONMENT "URSCOUT=$<TARGET_FILE:urscout>;ARTIFACTS=${CMAKE_BINARY_DIR}/artifacts;FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures/e2e")
