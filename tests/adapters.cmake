# SPDX-License-Identifier: MIT
# Crawler adapter tests: payloads from shared/formats and hostile fixtures, no network.
urs_unit_test(adapters unit/test_adapters.c unit/adapters_tu.c LIBS urs_crawler)
urs_unit_test(adapters_web unit/test_adapters_web.c unit/adapters_tu.c LIBS urs_crawler)
urs_unit_test(adapters_hostile unit/test_adapters_hostile.c unit/adapters_tu.c LIBS urs_crawler)
