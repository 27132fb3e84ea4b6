#include "session_registry.hpp"

#include "stats.hpp"

namespace tapmq::broker {

SessionRegistry::Opened SessionRegistry::open(const std::string& client_id, bool clean_start,
                                              const SessionLimits& limits) {
    Opened result;
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(std::string_view(client_id));
    if (it != sessions_.end()) {
        SessionPtr existing = *it;
        result.previous = existing->connection();
        if (result.previous) existing->detach(result.previous.get());
        // Only a session that outlives its connection is resumed: a taken-over connection with
        // expiry 0 (clean session) ends its session now, as it would have at its close.
        if (!clean_start && existing->expiry_interval() != 0) {
            result.session = existing;
            result.present = true;
            return result;
        }
        result.discarded = existing;
        sessions_.erase(it);
        Stats::sub(stats_.clients_total);
    }
    result.session = std::make_shared<Session>(client_id, context_locked(limits));
    sessions_.insert(result.session);
    Stats::add(stats_.clients_total);
    return result;
}

const SessionContext& SessionRegistry::context_locked(const SessionLimits& limits) {
    if (contexts_.empty() || contexts_.back()->limits != limits ||
        contexts_.back()->durability != durability_) {
        contexts_.push_back(std::make_unique<SessionContext>(SessionContext{limits, stats_, durability_}));
    }
    return *contexts_.back();
}

SessionPtr SessionRegistry::restore(const std::string& client_id, const SessionLimits& limits) {
    std::lock_guard lock(mutex_);
    auto s = std::make_shared<Session>(client_id, context_locked(limits));
    if (auto it = sessions_.find(std::string_view(s->client_id())); it != sessions_.end())
        sessions_.erase(it);
    sessions_.insert(s);
    Stats::add(stats_.clients_total);
    return s;
}

void SessionRegistry::remove(const SessionPtr& s) {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(std::string_view(s->client_id()));
    if (it != sessions_.end() && *it == s) {
        sessions_.erase(it);
        Stats::sub(stats_.clients_total);
    }
}

std::vector<SessionPtr> SessionRegistry::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<SessionPtr> out;
    out.reserve(sessions_.size());
    for (const auto& s : sessions_)
        out.push_back(s);
    return out;
}

std::size_t SessionRegistry::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

}  // namespace tapmq::broker
