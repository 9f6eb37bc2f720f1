# SPDX-License-Identifier: MIT
# Digest building benchmark (bench/bench_digest.sh runs it): 10,000 subscribers against 5,000
# new postings, rendered and recorded; the target is under 2 seconds.
if(TARGET urs_notifier)
  add_executable(bench_digest ${CMAKE_CURRENT_LIST_DIR}/bench_digest.c)
  target_link_libraries(bench_digest PRIVATE urs_notifier)
endif()
