# Classifier throughput benchmark (bench/bench_classify.sh runs it).
if(TARGET urs_classifier)
  add_executable(bench_classify ${CMAKE_CURRENT_SOURCE_DIR}/bench_classify.c)
  target_link_libraries(bench_classify PRIVATE urs_classifier)
endif()
