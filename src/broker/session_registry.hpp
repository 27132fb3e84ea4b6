// Every session the broker knows, by client id (spec 4.1): creation, resumption, takeover and
// expiry. One mutex guards the map; it is never held while a session's own mutex is taken,
// except to detach a connection being taken over.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "session.hpp"

namespace tapmq::broker {

class SessionRegistry {
  public:
    explicit SessionRegistry(Stats& stats) : stats_(stats) {}
    void set_durability(Durability* d) noexcept { durability_ = d; }
    // Start-up: a session read back from the store.
    SessionPtr restore(const std::string& client_id, const SessionLimits& limits);

    struct Opened {
        SessionPtr session;
        bool present = false;                  // an existing session was resumed
        std::shared_ptr<Connection> previous;  // connection taken over (to be kicked with 0x8E)
        SessionPtr discarded;                  // an existing session replaced by Clean Start
    };
    // Finds or creates the session of `client_id`. With `clean_start` an existing session is
    // discarded (returned in `discarded` for the caller to unsubscribe) and a new one created.
    Opened open(const std::string& client_id, bool clean_start, const SessionLimits& limits);

    // Forgets the session if it is still the one registered under its client id.
    void remove(const SessionPtr& s);

    // The session of `client_id`, or null (a lazy bridge watches its local session's queue).
    SessionPtr find(std::string_view client_id) const {
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(client_id);
        return it == sessions_.end() ? nullptr : *it;
    }

    // Sessions to look at for expiry and delayed wills (a snapshot).
    std::vector<SessionPtr> snapshot() const;
    std::size_t size() const;

  private:
    // The context for sessions created with `limits` (mutex_ held).
    const SessionContext& context_locked(const SessionLimits& limits);

    Stats& stats_;
    Durability* durability_ = nullptr;
    mutable std::mutex mutex_;
    // Every context a session may still point to (one per distinct set of limits seen).
    std::vector<std::unique_ptr<SessionContext>> contexts_;
    // The sessions themselves, looked up by client id (no key stored beside each): a node is a
    // pointer and the session's reference, the smallest an entry can be.
    struct ById {
        using is_transparent = void;
        static std::string_view id(std::string_view s) noexcept { return s; }
        static std::string_view id(const SessionPtr& s) noexcept { return s->client_id(); }
        template <class T>
        std::size_t operator()(const T& k) const noexcept {
            return std::hash<std::string_view>{}(id(k));
        }
        template <class A, class B>
        bool operator()(const A& a, const B& b) const noexcept {
            return id(a) == id(b);
        }
    };
    std::unordered_set<SessionPtr, ById, ById> sessions_;
};

}  // namespace tapmq::broker
