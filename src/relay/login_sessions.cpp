// LoginSessions: an LRU list of sessions indexed by requester (see header).
#include "login_sessions.hpp"

namespace tapmq::relay {

LoginSessions::LoginSessions(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::uint16_t LoginSessions::current(std::string_view requester, TimePoint now, const tap::Project& project,
                                     bool touch) {
    auto it = by_requester_.find(requester);
    if (it == by_requester_.end()) return tap::kAnonymousProfile;
    Session& s = *it->second;
    const tap::Profile* p = project.profile(s.profile);
    const bool live = p && now - s.last < std::chrono::seconds(p->lifetime_s);
    if (!touch) return live ? s.profile : tap::kAnonymousProfile;
    if (!live) {
        lru_.erase(it->second);
        by_requester_.erase(it);
        return tap::kAnonymousProfile;
    }
    if (now > s.last) s.last = now;
    lru_.splice(lru_.begin(), lru_, it->second);
    return s.profile;
}

void LoginSessions::login(std::string_view requester, std::uint16_t profile, TimePoint now) {
    logout(requester);
    while (lru_.size() >= capacity_) {
        by_requester_.erase(lru_.back().requester);
        lru_.pop_back();
    }
    lru_.push_front(Session{std::string(requester), profile, now});
    by_requester_.emplace(std::string(requester), lru_.begin());
}

bool LoginSessions::logout(std::string_view requester) {
    auto it = by_requester_.find(requester);
    if (it == by_requester_.end()) return false;
    lru_.erase(it->second);
    by_requester_.erase(it);
    return true;
}

void LoginSessions::retain(const std::function<bool(std::uint16_t)>& keep) {
    for (auto it = lru_.begin(); it != lru_.end();) {
        if (keep(it->profile)) {
            ++it;
            continue;
        }
        by_requester_.erase(it->requester);
        it = lru_.erase(it);
    }
}

}  // namespace tapmq::relay
