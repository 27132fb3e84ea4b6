// What a connection needs to know about the listener that accepted it.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace tapmq::broker {

struct ListenerSettings {
    std::string name;  // "port 1883" etc., for logs
    std::uint16_t port = 1883;
    std::string address;
    std::atomic<bool> allow_anonymous{true};  // changed by SIGHUP
    std::optional<std::uint32_t> max_connections;
    mutable std::atomic<std::uint32_t> connections{0};
};

}  // namespace tapmq::broker
