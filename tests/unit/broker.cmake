# Unit tests of the broker: in-memory structures (subscription trie, retained-message trie) and
# enhanced authentication.
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

# Enhanced authentication (src/broker/enhanced_auth.cpp) and the policy offering it.
add_executable(test_enhanced_auth ${CMAKE_CURRENT_LIST_DIR}/test_enhanced_auth.cpp)
target_link_libraries(test_enhanced_auth PRIVATE tapmq_broker GTest::gtest_main)
target_include_directories(test_enhanced_auth PRIVATE ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(test_enhanced_auth DISCOVERY_TIMEOUT 30)
