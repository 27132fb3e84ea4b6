# Unit tests of the Tap relay's building blocks (src/relay): one executable, state directories in
# temporary directories. Included from tests/unit/CMakeLists.txt.
find_package(GTest REQUIRED)
include(GoogleTest)

add_executable(test_relay
  ${CMAKE_CURRENT_LIST_DIR}/test_relay_target.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_relay_state_dir.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_relay_datalog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_relay_datalog_crash.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_relay_firmware.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_relay_firmware_crash.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_relay_alarms.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_relay_demo.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_relay_processor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_relay_processor_state.cpp
)
target_link_libraries(test_relay PRIVATE tapmq_relay OpenSSL::Crypto GTest::gtest_main)
target_include_directories(test_relay PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(test_relay DISCOVERY_TIMEOUT 30)
