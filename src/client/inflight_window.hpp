// Outgoing QoS 1/2 PUBLISHes awaiting their acknowledgement. The packet identifier is the slot index
// plus one, so looking one up is an index and identifiers are unique among those in flight by
// construction. Capacity is min(broker's Receive Maximum, the client's own cap).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "error.hpp"
#include "mqtt/types.hpp"

namespace tapmq::client {

using PublishHandler = std::function<void(const Error&)>;

class InflightWindow {
  public:
    enum class Stage : std::uint8_t { Free, AwaitPuback, AwaitPubrec, AwaitPubcomp };
    struct Slot {
        PublishHandler done;
        Stage stage = Stage::Free;
    };

    // Packet identifiers at or above this value are left to SUBSCRIBE/UNSUBSCRIBE (except with manual
    // acknowledgement, where acquire_at takes any identifier the caller relays).
    static constexpr std::uint16_t kMaxCapacity = 65'279;

    void set_capacity(std::uint16_t n) noexcept { capacity_ = n > kMaxCapacity ? kMaxCapacity : n; }
    std::uint16_t capacity() const noexcept { return capacity_; }
    std::size_t size() const noexcept { return used_; }
    bool full() const noexcept { return used_ >= capacity_; }

    // Takes a free slot (precondition: !full()); returns its packet identifier.
    std::uint16_t acquire(mqtt::QoS qos, PublishHandler done);
    bool in_use(std::uint16_t packet_id) const noexcept {
        return packet_id != 0 && packet_id <= slots_.size() && slots_[packet_id - 1u].stage != Stage::Free;
    }
    // Takes the slot of a given identifier (1..65535) at a given stage: a message re-sent with
    // its original identifier after a reconnection. False when that slot is in use.
    bool acquire_at(std::uint16_t packet_id, Stage stage, PublishHandler done);
    // The slot in flight under that identifier, or nullptr.
    Slot* find(std::uint16_t packet_id) noexcept;
    // Frees the slot and hands back its completion handler.
    PublishHandler release(std::uint16_t packet_id);
    // Frees every slot, calling each handler with `e` (connection lost).
    void fail_all(const Error& e);

  private:
    std::vector<Slot> slots_;
    std::vector<std::uint16_t> free_;  // indexes of free slots below slots_.size()
    std::uint16_t capacity_ = 0;
    std::size_t used_ = 0;
};

}  // namespace tapmq::client
