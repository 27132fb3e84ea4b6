# Unit tests of src/auth (password_file, acl_file, `tapmq passwd`, JWT, SCRAM-SHA-256). Included
# from tests/unit/CMakeLists.txt; kept in its own file and executable.
find_package(GTest REQUIRED)
include(GoogleTest)

add_executable(test_auth
  ${CMAKE_CURRENT_LIST_DIR}/test_auth_base64.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_auth_password_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_auth_unknown_user.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_auth_passwd_tool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_auth_acl_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_auth_jwt.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_auth_scram.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_auth_scram_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_auth_psk_file.cpp
  ${PROJECT_SOURCE_DIR}/src/cli/args_passwd.cpp
)
target_link_libraries(test_auth PRIVATE tapmq_auth OpenSSL::Crypto CLI11::CLI11 GTest::gtest_main)
target_include_directories(test_auth PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR}/src/cli)
# Password files written by the real mosquitto_passwd 2.0.11 and argon2id lines (see the files).
target_compile_definitions(test_auth PRIVATE TAPMQ_AUTH_FIXTURES="${CMAKE_CURRENT_LIST_DIR}/test_auth_fixtures")
gtest_discover_tests(test_auth DISCOVERY_TIMEOUT 30)
