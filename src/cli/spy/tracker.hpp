// What the spy remembers across messages: requests waiting for their answer (tap::PairingTable),
// per-Tap counts and round trips for --summary, the last status of each Tap, and the alerts: a
// request unanswered after the timeout, and, once `warn_after` requests of one Tap in a row went
// unanswered, one line naming the likely problem from its status. Pure: times come with the events
// and with tick().
#pragma once

#include <map>
#include <string>
#include <vector>

#include "decoder.hpp"
#include "event.hpp"
#include "tap/pairing.hpp"

namespace tapmq::cli::spy {

class Tracker {
  public:
    Tracker(Decoder& decoder, std::int64_t timeout_us, unsigned warn_after)
        : decoder_(decoder), timeout_us_(timeout_us), warn_after_(warn_after) {}

    // Pairs a response with its request (fills rtt_us, answers and the typed value), records a
    // request, counts. Returns the alerts due at the event's time (before the event).
    std::vector<Alert> on_event(SpyEvent& e);
    // The alerts due at `now_us` (requests that have waited longer than the timeout).
    std::vector<Alert> tick(std::int64_t now_us);

    struct TapStats {
        unsigned commands = 0;
        unsigned responses = 0;
        unsigned failures = 0;    // error codes, frames that do not decode or open
        unsigned unanswered = 0;  // requests with no answer after the timeout
        unsigned streak = 0;      // unanswered in a row (reset by an answer)
        std::int64_t streak_since_us = 0;
        bool warned = false;  // the "silent" alert was given for this streak
        std::vector<std::int64_t> rtts_us;
        std::string status;  // the last status line
        std::string status_state;
        std::string status_since;
    };
    const std::map<std::string, TapStats>& taps() const noexcept { return taps_; }

    // The per-Tap table of --summary: commands, responses, failures, unanswered, median and p99
    // round trip, last status.
    std::string summary() const;

  private:
    struct Request {
        std::optional<tap::TapRequest> request;  // nullopt: sealed and not opened, or not decoded
        std::string text;
    };

    Decoder& decoder_;
    std::int64_t timeout_us_;
    unsigned warn_after_;
    tap::PairingTable pairing_;
    std::map<std::uint64_t, Request> requests_;  // by pairing token
    std::uint64_t next_token_ = 1;
    std::int64_t last_tick_us_ = 0;
    std::map<std::string, TapStats> taps_;
};

// Percentile (0..100) of microsecond samples, nearest rank; 0 for none.
std::int64_t percentile(std::vector<std::int64_t> samples, double p);

}  // namespace tapmq::cli::spy
