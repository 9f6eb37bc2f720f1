# The unsubscribe endpoint (RELIABILITY.md H1-H4): the parser, the form reader and the pages
# (unit), the real `urscout web` over loopback sockets against a real store (integration), and
# the grep that keeps MAC comparisons constant-time.
urs_unit_test(web unit/test_web.c LIBS urs_web)
urs_unit_test(web_endpoint integration/test_web.c integration/web_util.c
              integration/notify_util.c
              LIBS urs_web urs_notifier PkgConfig::JANSSON PkgConfig::SQLITE LABELS integration)
add_dependencies(test_web_endpoint urscout)

add_test(NAME web_mac_compare
         COMMAND sh ${CMAKE_SOURCE_DIR}/scripts/check-mac-compare.sh ${CMAKE_SOURCE_DIR} web)
# the check must be able to fail: each planted mistake is caught by its own rule
add_test(NAME web_mac_compare_catches_memcmp
         COMMAND sh ${CMAKE_SOURCE_DIR}/scripts/check-mac-compare.sh ${CMAKE_SOURCE_DIR}
                 tests/fixtures/web/mac_memcmp)
set_tests_properties(web_mac_compare_catches_memcmp PROPERTIES
                     PASS_REGULAR_EXPRESSION "mac_memcmp/verify.c: memcmp/bcmp is not allowed")
add_test(NAME web_mac_compare_catches_strcmp
         COMMAND sh ${CMAKE_SOURCE_DIR}/scripts/check-mac-compare.sh ${CMAKE_SOURCE_DIR}
                 tests/fixtures/web/mac_strcmp)
set_tests_properties(web_mac_compare_catches_strcmp PROPERTIES
                     PASS_REGULAR_EXPRESSION "mac_strcmp/verify.c: a string comparison touches")

# Browser end-to-end (label e2e): Debian chromium driven by playwright-core, installed from
# tests/e2e/package-lock.json by the fixture below (no network once installed). Screenshots
# of the pages go to build/artifacts/.
add_test(NAME web_e2e_setup COMMAND sh ${CMAKE_SOURCE_DIR}/tests/e2e/setup.sh)
set_tests_properties(web_e2e_setup PROPERTIES FIXTURES_SETUP web_e2e_npm LABELS e2e)
add_test(NAME web_e2e COMMAND node ${CMAKE_SOURCE_DIR}/tests/e2e/flow.mjs)
set_tests_properties(web_e2e PROPERTIES
                     FIXTURES_REQUIRED web_e2e_npm LABELS "e2e;integration" TIMEOUT 300
                     ENVIRONMENT "URSCOUT=$<TARGET_FILE:urscout>;ARTIFACTS=${CMAKE_BINARY_DIR}/artifacts;FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures/e2e")

# Sign-up with double opt-in: the form, the confirmation mail in the Maildir, /c/TOKEN.
urs_unit_test(web_signup integration/test_signup.c integration/web_util.c
              integration/notify_util.c
              LIBS urs_web urs_notifier PkgConfig::JANSSON PkgConfig::SQLITE LABELS integration)
add_dependencies(test_web_signup urscout)
