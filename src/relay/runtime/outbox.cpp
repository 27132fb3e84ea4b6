// Datalog records and alarm events published at QoS 1 (outbox.hpp).
#include "outbox.hpp"

#include "relay/state_error.hpp"

namespace tapmq::relay::runtime {

Outbox::Outbox(std::shared_ptr<Link> link, DatalogQueue& queue, std::string data_topic,
               std::string event_topic, Wrap wrap, ErrorHandler on_error, std::size_t window,
               std::size_t max_events)
    : link_(std::move(link)),
      queue_(queue),
      data_topic_(std::move(data_topic)),
      event_topic_(std::move(event_topic)),
      wrap_(std::move(wrap)),
      on_error_(std::move(on_error)),
      window_(window),
      max_events_(max_events) {}

void Outbox::push_record(const std::string& json) {
    try {
        queue_.push(json);
    } catch (const std::exception& e) {
        if (on_error_) on_error_(std::string("datalog queue: ") + e.what());
        return;
    }
    pump();
}

void Outbox::push_event(std::string json) {
    if (events_.size() >= max_events_) {
        if (events_sent_ > 0) {
            // the oldest is on the wire: drop the oldest waiting one instead
            if (events_.size() > events_sent_)
                events_.erase(events_.begin() + static_cast<std::ptrdiff_t>(events_sent_));
        } else {
            events_.pop_front();
        }
        ++events_dropped_;
    }
    events_.push_back(std::move(json));
    pump();
}

void Outbox::connected() {
    ++generation_;
    sent_through_ = 0;
    records_in_flight_ = 0;
    events_sent_ = 0;
    pump();
}

void Outbox::pump() {
    if (!link_->connected()) return;
    const auto gen = generation_;
    // Datalog records, oldest first, at most window_ in flight.
    if (records_in_flight_ < window_ && !queue_.empty()) {
        for (auto& r : queue_.peek(queue_.size() < 64 ? queue_.size() : 64)) {
            if (records_in_flight_ >= window_) break;
            if (r.seq <= sent_through_) continue;
            const bool ok =
                link_->publish(data_topic_, wrap_(data_topic_, r.data), mqtt::QoS::AtLeastOnce, false,
                               [this, alive = alive_, gen, seq = r.seq](const client::Error& e) {
                                   if (!*alive) return;
                                   if (!e || e.kind == client::Error::Kind::Refused) {
                                       // A refusal is an acknowledgement too: sending it again would be
                                       // refused again.
                                       if (e && on_error_)
                                           on_error_("the broker refused a datalog record: " + e.message);
                                       try {
                                           queue_.pop_through(seq);
                                           ++acked_;
                                       } catch (const std::exception& x) {
                                           if (on_error_)
                                               on_error_(std::string("datalog queue: ") + x.what());
                                       }
                                   }
                                   if (gen != generation_) return;
                                   if (records_in_flight_ > 0) --records_in_flight_;
                                   if (e) return;  // refused or lost: sent again on the next connection
                                   pump();
                               });
            if (!ok) break;
            sent_through_ = r.seq;
            ++records_in_flight_;
        }
    }
    // Events.
    while (events_sent_ < events_.size() && events_sent_ < window_) {
        const auto& ev = events_[events_sent_];
        const bool ok = link_->publish(event_topic_, wrap_(event_topic_, ev), mqtt::QoS::AtLeastOnce, false,
                                       [this, alive = alive_, gen](const client::Error& e) {
                                           if (!*alive || gen != generation_ || e) return;
                                           // PUBACKs come in order: the oldest on the wire is done
                                           if (!events_.empty()) events_.pop_front();
                                           if (events_sent_ > 0) --events_sent_;
                                           pump();
                                       });
        if (!ok) break;
        ++events_sent_;
    }
}

}  // namespace tapmq::relay::runtime
