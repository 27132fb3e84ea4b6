# Unit tests of tapmqd's HTTP side (src/broker/http/): request paths, negotiation headers, content
# types, static files in a temporary directory, the Prometheus rendering, and the HTTP directives.
# Included from tests/unit/CMakeLists.txt; kept in its own file and executable.
find_package(GTest REQUIRED)
include(GoogleTest)

add_executable(test_http
  ${CMAKE_CURRENT_LIST_DIR}/test_http_path.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_http_static.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_http_prometheus.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_http_config.cpp
)
target_link_libraries(test_http PRIVATE tapmq_broker GTest::gtest_main)
target_include_directories(test_http PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/src/broker)
gtest_discover_tests(test_http DISCOVERY_TIMEOUT 30)
