# Unit tests of the storage layer (src/persist) against a real RocksDB in temporary directories.
# Included from tests/unit/CMakeLists.txt; kept in its own file and executable.
find_package(GTest REQUIRED)
include(GoogleTest)

add_executable(test_persist
  ${CMAKE_CURRENT_LIST_DIR}/test_persist.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_persist_codec.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_persist_corrupt.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_persist_crash.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_persist_group.cpp
)
# test_persist_crash.cpp has the main(): it is also the crash test's child process.
target_link_libraries(test_persist PRIVATE tapmq_persist GTest::gtest Threads::Threads)
target_include_directories(test_persist PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(test_persist DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 300)
