# Unit tests of the configuration parser (src/broker/config.cpp). Included from
# tests/unit/CMakeLists.txt; kept in its own file and executable.
find_package(GTest REQUIRED)
include(GoogleTest)

# The parser on its own (standard library only), so that the tests do not need the whole broker.
if(NOT TARGET tapmq_config)
  add_library(tapmq_config STATIC ${PROJECT_SOURCE_DIR}/src/broker/config.cpp
              ${PROJECT_SOURCE_DIR}/src/broker/bridge/topic_map.cpp
              ${PROJECT_SOURCE_DIR}/src/broker/bridge/bridge_directives.cpp)
  target_include_directories(tapmq_config PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(tapmq_config PUBLIC tapmq_mqtt)
endif()

add_executable(test_config ${CMAKE_CURRENT_LIST_DIR}/test_config.cpp ${CMAKE_CURRENT_LIST_DIR}/test_bridge_config.cpp)
target_link_libraries(test_config PRIVATE tapmq_config GTest::gtest_main)
target_include_directories(test_config PRIVATE ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(test_config DISCOVERY_TIMEOUT 30)
