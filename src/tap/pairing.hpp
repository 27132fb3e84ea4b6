// Pairs the responses a Tap sends with the requests they answer, as someone watching the traffic
// sees them (the spy; the web app's traffic view does the same in JS). Pure: times are passed in.
//
// A request and its answer share a channel: the reply topic (`<prefix>/resp` for `<prefix>/cmd`,
// `<prefix>/resp/<id>` for `<prefix>/cmd/<id>`, or the request's MQTT 5 Response Topic) plus the
// Correlation Data when the request carried one. A Tap answers one requester in order
// (tap-protocol.md §5), so within a channel the oldest pending request is the one answered.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tapmq::tap {

class PairingTable {
  public:
    struct Pending {
        std::uint64_t token = 0;  // the caller's handle on the request (an index, a sequence number)
        std::int64_t sent_us = 0;
        std::string tap;  // whose request (a serial, for per-Tap accounting)
    };
    struct Match {
        Pending request;
        std::int64_t rtt_us = 0;
    };

    // The channel key of a reply topic and optional correlation data.
    static std::string channel(std::string_view reply_topic, std::optional<std::string_view> correlation);

    void request(const std::string& channel, Pending pending);
    // The oldest pending request on the channel; nullopt when none is pending (a stray response).
    std::optional<Match> response(const std::string& channel, std::int64_t now_us);
    // Removes and returns the requests pending for longer than timeout_us, oldest first.
    std::vector<Pending> expire(std::int64_t now_us, std::int64_t timeout_us);

    std::size_t pending() const noexcept { return pending_; }

  private:
    std::unordered_map<std::string, std::deque<Pending>> channels_;
    std::size_t pending_ = 0;
};

}  // namespace tapmq::tap
