// What went wrong with a client operation: the kind of failure, the MQTT reason code where the
// broker gave one (CONNACK, PUBACK, DISCONNECT...), and a sentence for humans.
#pragma once

#include <string>

#include "mqtt/reason_code.hpp"

namespace tapmq::client {

struct Error {
    enum class Kind : unsigned char {
        None,          // success
        Resolve,       // host name lookup failed
        Network,       // connect, read or write failed, or the broker closed the connection
        Timeout,       // no CONNACK in time, or no PINGRESP within the keep alive
        Refused,       // CONNACK, PUBACK, PUBREC, SUBACK... carried an error reason code
        Disconnected,  // the broker sent DISCONNECT
        Protocol,      // the broker sent something the protocol forbids
        Closed,        // the client was closed locally before the operation completed
        Rejected,  // the request itself is invalid here (QoS above the broker's maximum, packet too large)
    };
    Kind kind = Kind::None;
    mqtt::ReasonCode reason = mqtt::ReasonCode::Success;
    std::string message;

    explicit operator bool() const noexcept { return kind != Kind::None; }
    bool ok() const noexcept { return kind == Kind::None; }

    static const Error& success() noexcept;
    static Error refused(mqtt::ReasonCode rc, std::string what);
};

const char* to_string(Error::Kind k) noexcept;

}  // namespace tapmq::client
