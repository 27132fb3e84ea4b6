# Unit tests of the client library: broker URLs, the back-off schedule, and ReconnectingClient against a
# scripted in-memory broker.
add_executable(test_client test_client_url.cpp test_client_backoff.cpp test_client_reconnect.cpp)
target_link_libraries(test_client PRIVATE tapmq_client GTest::gtest_main)
target_include_directories(test_client PRIVATE ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(test_client DISCOVERY_TIMEOUT 30)
