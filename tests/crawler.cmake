# SPDX-License-Identifier: MIT
# Crawler tests: robots.txt / address guard / retry timing units, and crawls against a loopback
# HTTP server (tests/integration/httpd.c) that misbehaves on purpose.
urs_unit_test(robots unit/test_robots.c LIBS urs_crawler)
