# SPDX-License-Identifier: MIT
# Crawler tests: robots.txt / address guard / retry timing units, and crawls against a loopback
# HTTP server (tests/integration/httpd.c) that misbehaves on purpose.
urs_unit_test(robots unit/test_robots.c LIBS urs_crawler)

# The loopback HTTP server (gzip bombs are deflated with zlib as they are sent).
urs_require(ZLIB zlib zlib1g-dev)
find_package(Threads REQUIRED)
add_library(urs_test_httpd STATIC integration/httpd.c integration/crawl_harness.c)
target_link_libraries(urs_test_httpd PUBLIC urs_testutil urs_crawler PkgConfig::ZLIB
                      Threads::Threads)
target_include_directories(urs_test_httpd PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}
                           ${CMAKE_CURRENT_SOURCE_DIR}/integration)

urs_unit_test(crawl integration/test_crawl.c LIBS urs_test_httpd LABELS integration)
urs_unit_test(crawl_faults integration/test_crawl_faults.c LIBS urs_test_httpd LABELS integration)
urs_unit_test(db_crawl unit/test_db_crawl.c LIBS urs_db)
urs_unit_test(crawl_cli integration/test_crawl_cli.c LIBS urs_test_httpd urs_db LABELS integration)
urs_unit_test(crawl_store integration/test_crawl_store.c LIBS urs_test_httpd PkgConfig::SQLITE
              LABELS integration)
