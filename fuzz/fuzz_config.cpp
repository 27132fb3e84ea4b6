// libFuzzer target for the configuration parser (src/broker/config.cpp).
//
// Input: arbitrary bytes, parsed as the text of a mosquitto.conf named "fuzz.conf", with include_dir
// not followed (the fuzzer must not read the file system). ConfigError is how the parser rejects
// input; any other exception, a sanitizer report or a failed CHECK is a finding. Accepted input must
// give a configuration that respects the documented ranges, and parsing is deterministic.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "broker/config.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace tapmq::broker;

constexpr std::string_view kName = "fuzz.conf";

void check_config(const Config& c) {
    CHECK(!c.listeners.empty());
    for (const auto& l : c.listeners) {
        CHECK(l.max_qos <= 2);
        CHECK(l.protocol == "mqtt" || l.protocol == "websockets");
        CHECK(l.socket_domain.empty() || l.socket_domain == "ipv4" || l.socket_domain == "ipv6");
        CHECK((l.port == 0) != l.unix_socket.empty());  // port 0: a unix socket listener, with its path
        CHECK(l.port != 0 || l.protocol == "mqtt");     // unix sockets speak plain MQTT only
        CHECK(l.line >= 0);
        CHECK(l.line == 0 || l.file == kName);
    }
    if (c.local_only) {
        CHECK(c.listeners.size() == 1);
        CHECK(c.listeners[0].bind_address == "127.0.0.1");
    }
    CHECK(c.max_keepalive >= 10);
    CHECK(c.max_packet_size == 0 || c.max_packet_size >= 20);
    CHECK(c.message_size_limit <= 268435455);
    CHECK(c.sys_interval <= 65535);
    CHECK(c.max_topic_length >= 1 && c.max_topic_length <= 65535);
    CHECK(c.durability == "os" || c.durability == "fsync");
    CHECK(!c.log_facility || (*c.log_facility >= 0 && *c.log_facility <= 7));
    CHECK(c.persistent_client_expiration.value_or(1) > 0);
    for (const auto& w : c.warnings)
        CHECK(w.starts_with("fuzz.conf:"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    ParseOptions options;
    options.follow_include_dir = false;

    std::string first;
    try {
        const Config c = parse_config(text, kName, options);
        check_config(c);
        first = "ok";
        for (const auto& w : c.warnings)
            first += "\n" + w;
    } catch (const ConfigError& e) {
        CHECK(e.file == kName);
        CHECK(e.line >= 1);  // every error from a string is about a line
        CHECK(std::string_view(e.what()).starts_with("fuzz.conf:" + std::to_string(e.line) + ": "));
        first = e.what();
    }

    // Deterministic: the same text gives the same result.
    std::string second;
    try {
        const Config c = parse_config(text, kName, options);
        second = "ok";
        for (const auto& w : c.warnings)
            second += "\n" + w;
    } catch (const ConfigError& e) {
        second = e.what();
    }
    CHECK(first == second);
    return 0;
}
