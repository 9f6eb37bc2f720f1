# SPDX-License-Identifier: MIT
# Crawl throughput benchmark: `cmake --build BUILD --target bench_crawl` runs bench/bench_crawl.sh
# (nginx serving a generated 10,000-posting site on 127.0.0.1; prints figures, not a test).
add_custom_target(bench_crawl
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/bench_crawl.sh ${CMAKE_BINARY_DIR}
  DEPENDS urscout
  USES_TERMINAL)
