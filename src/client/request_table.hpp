// SUBSCRIBE and UNSUBSCRIBE awaiting SUBACK/UNSUBACK, under packet identifiers above the PUBLISH
// window's range (InflightWindow::kMaxCapacity + 1 .. 65535).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "error.hpp"
#include "inflight_window.hpp"
#include "mqtt/packets.hpp"

namespace tapmq::client {

// Exactly one of the two packets is non-null on success; both are null with an error.
using SubscribeHandler = std::function<void(const Error&, const mqtt::Suback*)>;
using UnsubscribeHandler = std::function<void(const Error&, const mqtt::Unsuback*)>;

class RequestTable {
  public:
    static constexpr std::uint16_t kFirstId = InflightWindow::kMaxCapacity + 1;
    static constexpr std::size_t kSize = 65'536 - kFirstId;

    struct Request {
        SubscribeHandler on_suback;
        UnsubscribeHandler on_unsuback;
        bool used = false;
    };

    // A free identifier, or nullopt when all kSize are awaiting answers. With manual
    // acknowledgement PUBLISH identifiers may reach into this range: those in `window` are skipped.
    std::optional<std::uint16_t> add(Request r, const InflightWindow* window = nullptr);
    bool contains(std::uint16_t packet_id) const noexcept {
        return packet_id >= kFirstId && std::size_t{packet_id} - kFirstId < requests_.size() &&
               requests_[packet_id - kFirstId].used;
    }
    // Removes and returns the request under that identifier (nullopt if none).
    std::optional<Request> take(std::uint16_t packet_id);
    void fail_all(const Error& e);

  private:
    std::vector<Request> requests_;  // grown on demand: most clients have one or two outstanding
    std::size_t outstanding_ = 0;
};

}  // namespace tapmq::client
