add_executable(bench_search ${CMAKE_CURRENT_LIST_DIR}/bench_search.c)
target_link_libraries(bench_search PRIVATE urs_db)
