# Unit tests of the benchmark tool's bookkeeping (sources compiled in: the tool is one executable).
add_executable(test_bench_sequence test_bench_sequence.cpp ${PROJECT_SOURCE_DIR}/src/cli/bench/sequence_tracker.cpp)
target_link_libraries(test_bench_sequence PRIVATE GTest::gtest_main)
target_include_directories(test_bench_sequence PRIVATE ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(test_bench_sequence DISCOVERY_TIMEOUT 30)
