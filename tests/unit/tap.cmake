# Unit tests of src/tap (the Tap protocol: codes, paths, frames, multi-command, password hashes,
# sealing, the project file). Included from tests/unit/CMakeLists.txt; one executable, a file per idea.
find_package(GTest REQUIRED)
include(GoogleTest)

add_executable(test_tap
  ${CMAKE_CURRENT_LIST_DIR}/test_tap_result_code.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_tap_path.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_tap_frame.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_tap_multi_command.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_tap_password_hash.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_tap_seal.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_tap_project.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_tap_value.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_tap_topics.cpp
)
target_link_libraries(test_tap PRIVATE tapmq_tap GTest::gtest_main)
target_include_directories(test_tap PRIVATE ${CMAKE_CURRENT_LIST_DIR})
# The shipped projects, to check that the embedded copy is the file.
target_compile_definitions(test_tap PRIVATE TAPMQ_TAP_PROJECTS="${PROJECT_SOURCE_DIR}/src/tap/projects")
# Named tap.<Suite>.<Test>, so that `ctest -R tap` runs them.
gtest_discover_tests(test_tap TEST_PREFIX "tap." DISCOVERY_TIMEOUT 30)
