// Requests paired with their responses (pairing.hpp).
#include "pairing.hpp"

#include <algorithm>

namespace tapmq::tap {

std::string PairingTable::channel(std::string_view reply_topic, std::optional<std::string_view> correlation) {
    std::string key(reply_topic);
    if (correlation) {
        key += '\0';
        key += *correlation;
    }
    return key;
}

void PairingTable::request(const std::string& channel, Pending pending) {
    channels_[channel].push_back(std::move(pending));
    ++pending_;
}

std::optional<PairingTable::Match> PairingTable::response(const std::string& channel, std::int64_t now_us) {
    auto it = channels_.find(channel);
    if (it == channels_.end() || it->second.empty()) return std::nullopt;
    Match m{std::move(it->second.front()), 0};
    m.rtt_us = now_us - m.request.sent_us;
    it->second.pop_front();
    if (it->second.empty()) channels_.erase(it);
    --pending_;
    return m;
}

std::vector<PairingTable::Pending> PairingTable::expire(std::int64_t now_us, std::int64_t timeout_us) {
    std::vector<Pending> out;
    for (auto it = channels_.begin(); it != channels_.end();) {
        auto& q = it->second;
        while (!q.empty() && now_us - q.front().sent_us > timeout_us) {
            out.push_back(std::move(q.front()));
            q.pop_front();
            --pending_;
        }
        it = q.empty() ? channels_.erase(it) : std::next(it);
    }
    std::sort(out.begin(), out.end(),
              [](const Pending& a, const Pending& b) { return a.sent_us < b.sent_us; });
    return out;
}

}  // namespace tapmq::tap
