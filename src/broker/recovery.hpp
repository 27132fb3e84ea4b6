// Start-up from the store: sessions, subscriptions, retained messages, queued and in-flight messages
// (re-sent with DUP when their client returns), QoS 2 packet ids and delayed wills.
#pragma once

#include <cstddef>

namespace tapmq::broker {

class Broker;

struct RecoveryReport {
    std::size_t sessions = 0;
    std::size_t subscriptions = 0;
    std::size_t retained = 0;
    std::size_t messages = 0;  // queued or in flight
    std::size_t wills = 0;     // waiting for their delay or their session's end
    std::size_t expired = 0;   // dropped because they expired while the broker was down
    double seconds = 0;
};

RecoveryReport recover(Broker& broker);

}  // namespace tapmq::broker
