# Unit tests of the broker's in-memory structures (subscription trie, retained-message trie).
# Included from tests/unit/CMakeLists.txt; kept in its own file and executable.
find_package(GTest REQUIRED)
include(GoogleTest)

add_executable(test_broker_structures
  ${CMAKE_CURRENT_LIST_DIR}/test_subscription_tree.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_retained_tree.cpp
)
target_link_libraries(test_broker_structures PRIVATE tapmq_mqtt GTest::gtest_main Threads::Threads)
target_include_directories(test_broker_structures PRIVATE ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(test_broker_structures DISCOVERY_TIMEOUT 30)
