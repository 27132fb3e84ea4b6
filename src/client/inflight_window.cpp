#include "inflight_window.hpp"

#include <algorithm>

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

bool InflightWindow::acquire_at(std::uint16_t packet_id, Stage stage, PublishHandler done) {
    if (packet_id == 0 || stage == Stage::Free) return false;
    const std::size_t index = packet_id - 1u;
    if (index >= slots_.size()) {
        for (std::size_t i = slots_.size(); i < index; ++i)
            free_.push_back(static_cast<std::uint16_t>(i));
        slots_.resize(index + 1);
    } else {
        if (slots_[index].stage != Stage::Free) return false;
        auto it = std::find(free_.begin(), free_.end(), static_cast<std::uint16_t>(index));
        if (it != free_.end()) free_.erase(it);
    }
    Slot& s = slots_[index];
    s.done = std::move(done);
    s.stage = stage;
    ++used_;
    return true;
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
