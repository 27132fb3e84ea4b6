// What a Tap publishes on its own at QoS 1: datalog records from the on-disk DatalogQueue on
// <prefix>/data (a record leaves the queue only when its PUBACK arrives, so nothing is lost across a
// lost connection, a broker restart or a Tap restart; a record whose PUBACK was lost is sent again,
// which QoS 1 allows), and alarm events on <prefix>/event (held in memory while disconnected, at
// most max_events, the oldest dropped). Both sealed when the Tap has a netkey (sealing happens at
// each send: a re-sent record gets a fresh counter).
//
// Single-threaded: call it from its io_context's thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "link.hpp"
#include "relay/datalog_queue.hpp"

namespace tapmq::relay::runtime {

class Outbox {
  public:
    // Turns a payload into what goes on the wire for a topic (sealing, or identity).
    using Wrap = std::function<std::string(const std::string& topic, const std::string& payload)>;
    // A StateError from the queue, for the log.
    using ErrorHandler = std::function<void(const std::string& what)>;

    Outbox(std::shared_ptr<Link> link, DatalogQueue& queue, std::string data_topic, std::string event_topic,
           Wrap wrap, ErrorHandler on_error, std::size_t window = 8, std::size_t max_events = 1000);
    ~Outbox() { *alive_ = false; }
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    void push_record(const std::string& json);
    void push_event(std::string json);
    // The link is up again: everything unacknowledged goes again.
    void connected();
    // Sends what the window allows.
    void pump();

    std::uint64_t published() const noexcept { return acked_; }
    std::size_t events_dropped() const noexcept { return events_dropped_; }

  private:
    std::shared_ptr<Link> link_;
    DatalogQueue& queue_;
    std::string data_topic_, event_topic_;
    Wrap wrap_;
    ErrorHandler on_error_;
    std::size_t window_;
    std::size_t max_events_;
    std::uint64_t generation_ =
        0;  // one per connection: acknowledgements of an older one count for nothing more
    std::uint64_t sent_through_ = 0;  // highest datalog seq sent on this connection
    std::size_t records_in_flight_ = 0;
    std::deque<std::string> events_;  // not yet acknowledged, oldest first
    std::size_t events_sent_ = 0;     // how many of events_ are on the wire on this connection
    std::size_t events_dropped_ = 0;
    std::uint64_t acked_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tapmq::relay::runtime
