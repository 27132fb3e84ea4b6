#include "request_table.hpp"

namespace tapmq::client {

std::optional<std::uint16_t> RequestTable::add(Request r, const InflightWindow* window) {
    r.used = true;
    const auto busy = [&](std::size_t i) {
        return (i < requests_.size() && requests_[i].used) ||
               (window && window->in_use(static_cast<std::uint16_t>(kFirstId + i)));
    };
    std::size_t i = 0;
    while (i < kSize && busy(i))
        ++i;
    if (i == kSize) return std::nullopt;
    if (i >= requests_.size()) requests_.resize(i + 1);
    requests_[i] = std::move(r);
    ++outstanding_;
    return static_cast<std::uint16_t>(kFirstId + i);
}

std::optional<RequestTable::Request> RequestTable::take(std::uint16_t packet_id) {
    if (packet_id < kFirstId || std::size_t{packet_id} - kFirstId >= requests_.size()) return std::nullopt;
    Request& r = requests_[packet_id - kFirstId];
    if (!r.used) return std::nullopt;
    Request out = std::move(r);
    r = Request{};
    --outstanding_;
    return out;
}

void RequestTable::fail_all(const Error& e) {
    std::vector<Request> pending;
    pending.swap(requests_);
    outstanding_ = 0;
    for (auto& r : pending) {
        if (!r.used) continue;
        if (r.on_suback) r.on_suback(e, nullptr);
        if (r.on_unsuback) r.on_unsuback(e, nullptr);
    }
}

}  // namespace tapmq::client
