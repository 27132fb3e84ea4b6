# Unit tests of `tapmq ctl` and `tapmq spy` (their pure pieces) and of what they brought to src/tap
# (topic parsing, requests in words, pairing). Included from tests/unit/CMakeLists.txt; `ctest -R cli`.
find_package(GTest REQUIRED)
include(GoogleTest)

set(cli_dir ${PROJECT_SOURCE_DIR}/src/cli)
add_executable(test_cli
  ${CMAKE_CURRENT_LIST_DIR}/test_cli_topic_parse.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_cli_describe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_cli_pairing.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_cli_ctl.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_cli_spy.cpp
  ${cli_dir}/ctl/outcome.cpp
  ${cli_dir}/ctl/diagnosis.cpp
  ${cli_dir}/spy/decoder.cpp
  ${cli_dir}/spy/tracker.cpp
  ${cli_dir}/spy/format.cpp
  ${cli_dir}/spy/recorder.cpp
)
target_link_libraries(test_cli PRIVATE tapmq_tap fmt::fmt nlohmann_json::nlohmann_json GTest::gtest_main)
target_include_directories(test_cli PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${cli_dir})
gtest_discover_tests(test_cli TEST_PREFIX "cli." DISCOVERY_TIMEOUT 30)
