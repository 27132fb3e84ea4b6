// Login sessions of the command processor: which profile each requester has, for how long.
//
// A requester (the runtime's session key, tap-protocol.md §5) that logs in holds the profile until
// it logs out, until the profile's lifetime passes without a request from it (each request, even a
// refused one, starts the lifetime again; at exactly lifetime_s seconds of silence the login has
// ended), or until it is evicted: at most `capacity` sessions are kept and a login beyond that
// evicts the least recently used one. Anonymous requesters hold no session. Pure: times are
// parameters (steady clock).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <string>
#include <string_view>

#include "tap/project.hpp"

namespace tapmq::relay {

class LoginSessions {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;

    explicit LoginSessions(std::size_t capacity);

    // The profile of `requester` at `now` under `project` (0 when it has no session, its lifetime
    // is over, or its profile is not in the project). With `touch`, a live session's lifetime starts
    // again and it becomes the most recently used; an ended one is removed.
    std::uint16_t current(std::string_view requester, TimePoint now, const tap::Project& project, bool touch);
    // Gives `requester` the profile from `now` on (replacing its session), evicting the least recently
    // used session when full.
    void login(std::string_view requester, std::uint16_t profile, TimePoint now);
    // Ends the requester's session; false when it had none.
    bool logout(std::string_view requester);
    // Keeps only the sessions whose profile satisfies `keep` (after a project change).
    void retain(const std::function<bool(std::uint16_t profile)>& keep);

    std::size_t size() const noexcept { return lru_.size(); }
    std::size_t capacity() const noexcept { return capacity_; }

  private:
    struct Session {
        std::string requester;
        std::uint16_t profile;
        TimePoint last;
    };
    using List = std::list<Session>;  // most recently used first

    std::size_t capacity_;
    List lru_;
    std::map<std::string, List::iterator, std::less<>> by_requester_;
};

}  // namespace tapmq::relay
