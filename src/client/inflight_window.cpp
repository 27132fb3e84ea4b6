#include "inflight_window.hpp"

namespace tapmq::client {

std::uint16_t InflightWindow::acquire(mqtt::QoS qos, PublishHandler done) {
    std::size_t index;
    if (!free_.empty()) {
        index = free_.back();
        free_.pop_back();
    } else {
        index = slots_.size();
        slots_.emplace_back();
    }
    Slot& s = slots_[index];
    s.done = std::move(done);
    s.stage = qos == mqtt::QoS::ExactlyOnce ? Stage::AwaitPubrec : Stage::AwaitPuback;
    ++used_;
    return static_cast<std::uint16_t>(index + 1);
}

InflightWindow::Slot* InflightWindow::find(std::uint16_t packet_id) noexcept {
    if (packet_id == 0 || packet_id > slots_.size()) return nullptr;
    Slot& s = slots_[packet_id - 1u];
    return s.stage == Stage::Free ? nullptr : &s;
}

PublishHandler InflightWindow::release(std::uint16_t packet_id) {
    Slot& s = slots_[packet_id - 1u];
    s.stage = Stage::Free;
    free_.push_back(static_cast<std::uint16_t>(packet_id - 1u));
    --used_;
    return std::move(s.done);
}

void InflightWindow::fail_all(const Error& e) {
    std::vector<Slot> pending;
    pending.swap(slots_);
    free_.clear();
    used_ = 0;
    for (auto& s : pending) {
        if (s.stage != Stage::Free && s.done) s.done(e);
    }
}

}  // namespace tapmq::client
