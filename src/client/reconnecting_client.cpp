#include "reconnecting_client.hpp"

#include <algorithm>

#include "mqtt/topic.hpp"

namespace tapmq::client {

std::shared_ptr<ReconnectingClient> ReconnectingClient::create(boost::asio::io_context& io, ConnectOptions o,
                                                               StreamFactory make_stream,
                                                               ReconnectOptions r) {
    return std::shared_ptr<ReconnectingClient>(
        new ReconnectingClient(io, std::move(o), std::move(make_stream), std::move(r)));
}

ReconnectingClient::ReconnectingClient(boost::asio::io_context& io, ConnectOptions o,
                                       StreamFactory make_stream, ReconnectOptions r)
    : io_(io),
      options_(std::move(o)),
      make_stream_(std::move(make_stream)),
      reconnect_(std::move(r)),
      backoff_(reconnect_.backoff),
      timer_(io) {
    if (mqtt::is_v5(options_.version) && !options_.properties.session_expiry_interval &&
        reconnect_.session_expiry > 0) {
        options_.properties.session_expiry_interval = reconnect_.session_expiry;
    }
}

ReconnectingClient::~ReconnectingClient() {
    if (client_) {
        client_->on_close(nullptr);
        client_->close();
    }
}

bool ReconnectingClient::session_can_outlive_connection() const noexcept {
    if (mqtt::is_v5(options_.version)) return options_.properties.session_expiry_interval.value_or(0) > 0;
    return !options_.clean_start;
}

void ReconnectingClient::start() {
    if (started_ || stopped_) return;
    started_ = true;
    attempt();
}

void ReconnectingClient::attempt() {
    if (stopped_) return;
    if (client_) client_->on_close(nullptr);  // the previous connection, closed: nothing more from it
    client_ = Client::create(io_, make_stream_(io_));
    std::weak_ptr<ReconnectingClient> w = weak_from_this();
    client_->on_message([w](const mqtt::Publish& p) {
        auto self = w.lock();
        if (self && !self->stopped_ && self->on_message_) self->on_message_(p);
    });
    client_->on_pubrec_received([w](std::uint16_t id) {
        if (auto self = w.lock()) self->on_pubrec(id);
    });
    client_->on_close([w](const Error& e) {
        if (auto self = w.lock()) self->on_lost(e);
    });
    client_->restore_incoming_qos2(incoming_qos2_);
    ConnectOptions o = options_;
    if (ever_connected_ && session_can_outlive_connection()) o.clean_start = false;
    if (reconnect_.make_auth) {
        o.auth = reconnect_.make_auth();
    } else if (ever_connected_) {
        o.auth.reset();
    }
    client_->connect(o, [w](const Error& e, const mqtt::Connack* c) {
        if (auto self = w.lock()) self->on_connack(e, c);
    });
}

void ReconnectingClient::on_connack(const Error& e, const mqtt::Connack* c) {
    if (stopped_) return;
    if (e || !c) {
        schedule_retry(e);
        return;
    }
    backoff_.reset();
    ever_connected_ = true;
    const bool present = c->session_present;
    std::vector<PublishHandler> completed;
    if (!present) {
        // The broker has no session: a QoS 2 message it had answered with PUBREC was accepted; the
        // others go again as new messages, under new identifiers.
        for (auto it = out_.begin(); it != out_.end();) {
            Outgoing& m = it->second;
            if (m.id != 0) {
                by_id_.erase(m.id);
                id_used_[m.id] = false;
                m.id = 0;
            }
            m.sent = false;
            if (m.released) {
                completed.push_back(std::move(m.done));
                it = out_.erase(it);
            } else {
                ++it;
            }
        }
        for (auto& s : subscriptions_)
            s.acknowledged = false;
    }
    cursor_ = 0;
    for (auto& s : subscriptions_) {
        if (!s.acknowledged) send_subscription(s);
    }
    pump();
    for (auto& done : completed) {
        if (done) done(Error::success());
    }
    if (!stopped_ && on_connected_) on_connected_(present);
}

void ReconnectingClient::on_lost(const Error& e) {
    if (stopped_) return;
    if (client_) incoming_qos2_ = client_->incoming_qos2_ids();
    for (auto& [seq, m] : out_)
        m.on_wire = false;
    on_wire_ = 0;
    cursor_ = 0;
    schedule_retry(e);
}

void ReconnectingClient::schedule_retry(const Error& e) {
    const auto delay = backoff_.next();
    if (on_disconnected_) on_disconnected_(e, delay);
    if (stopped_) return;
    timer_.expires_after(delay);
    std::weak_ptr<ReconnectingClient> w = weak_from_this();
    timer_.async_wait([w](const boost::system::error_code& ec) {
        if (ec) return;
        auto self = w.lock();
        if (self && !self->stopped_) self->attempt();
    });
}

std::uint16_t ReconnectingClient::take_id() {
    constexpr std::uint16_t kMax = InflightWindow::kMaxCapacity;
    if (id_used_.empty()) id_used_.resize(kMax + 1u);
    while (id_used_[next_id_])
        next_id_ = next_id_ == kMax ? 1 : static_cast<std::uint16_t>(next_id_ + 1);
    const std::uint16_t id = next_id_;
    id_used_[id] = true;
    next_id_ = next_id_ == kMax ? 1 : static_cast<std::uint16_t>(next_id_ + 1);
    return id;
}

void ReconnectingClient::pump() {
    if (!connected()) return;
    const std::size_t capacity = client_->window_capacity();
    std::vector<PublishHandler> rejected;
    std::weak_ptr<ReconnectingClient> w = weak_from_this();
    for (auto it = out_.lower_bound(cursor_); it != out_.end() && on_wire_ < capacity;) {
        const std::uint64_t seq = it->first;
        Outgoing& m = it->second;
        if (m.on_wire) {
            ++it;
            continue;
        }
        if (m.id == 0) {
            m.id = take_id();
            by_id_[m.id] = seq;
        }
        auto done = [w, seq](const Error& e) {
            if (auto self = w.lock()) self->on_acknowledged(seq, e);
        };
        const bool ok =
            m.released ? client_->resend_pubrel(m.id, done)
                       : client_->publish_with_id(m.id, m.sent, m.topic, m.payload, m.qos, m.retain, done);
        if (!ok) {
            // The broker's limits forbid it (QoS above its maximum, retain unavailable, too large).
            by_id_.erase(m.id);
            id_used_[m.id] = false;
            rejected.push_back(std::move(m.done));
            it = out_.erase(it);
            cursor_ = seq + 1;
            continue;
        }
        m.sent = true;
        m.on_wire = true;
        ++on_wire_;
        cursor_ = seq + 1;
        ++it;
    }
    for (auto& done : rejected) {
        if (done) {
            done(Error{
                Error::Kind::Rejected, mqtt::ReasonCode::Success,
                "the broker does not accept this PUBLISH (QoS above its maximum, retain not available, or "
                "larger than its maximum packet size)"});
        }
    }
}

void ReconnectingClient::on_acknowledged(std::uint64_t seq, const Error& e) {
    if (!e.ok() && e.kind != Error::Kind::Refused) return;  // the connection ended: kept for the next one
    auto it = out_.find(seq);
    if (it == out_.end()) return;
    Outgoing& m = it->second;
    PublishHandler done = std::move(m.done);
    if (m.id != 0) {
        by_id_.erase(m.id);
        id_used_[m.id] = false;
    }
    if (m.on_wire) --on_wire_;
    out_.erase(it);
    pump();
    if (done) done(e);
}

void ReconnectingClient::on_pubrec(std::uint16_t packet_id) {
    auto it = by_id_.find(packet_id);
    if (it == by_id_.end()) return;
    auto m = out_.find(it->second);
    if (m != out_.end()) m->second.released = true;
}

bool ReconnectingClient::publish(std::string topic, std::string payload, mqtt::QoS qos, bool retain,
                                 PublishHandler done) {
    if (stopped_ || !mqtt::is_valid_topic_name(topic)) return false;
    if (qos == mqtt::QoS::AtMostOnce) return connected() && client_->publish(topic, payload, qos, retain);
    if (out_.size() >= reconnect_.max_queued) return false;
    Outgoing m;
    m.topic = std::move(topic);
    m.payload = std::move(payload);
    m.qos = qos;
    m.retain = retain;
    m.done = std::move(done);
    out_.emplace(next_seq_++, std::move(m));
    pump();
    return true;
}

bool ReconnectingClient::subscribe(std::string filter, mqtt::SubscriptionOptions options,
                                   SubscribeHandler done) {
    if (stopped_ || !mqtt::is_valid_topic_filter(filter)) return false;
    subscriptions_.push_back(Subscription{std::move(filter), options, false, std::move(done)});
    if (connected()) send_subscription(subscriptions_.back());
    return true;
}

bool ReconnectingClient::unsubscribe(const std::string& filter, UnsubscribeHandler done) {
    auto it = std::find_if(subscriptions_.begin(), subscriptions_.end(),
                           [&](const Subscription& s) { return s.filter == filter; });
    if (stopped_ || it == subscriptions_.end()) return false;
    subscriptions_.erase(it);
    if (connected()) {
        const std::string_view f = filter;
        client_->unsubscribe(std::span<const std::string_view>(&f, 1),
                             [done = std::move(done)](const Error& e, const mqtt::Unsuback* ack) {
                                 if (ack && done) done(e, ack);
                             });
    }
    return true;
}

void ReconnectingClient::send_subscription(Subscription& s) {
    mqtt::TopicSubscription t{s.filter, s.options};
    std::weak_ptr<ReconnectingClient> w = weak_from_this();
    client_->subscribe(std::span<const mqtt::TopicSubscription>(&t, 1),
                       [w, filter = s.filter](const Error& e, const mqtt::Suback* ack) {
                           auto self = w.lock();
                           if (!self || self->stopped_ || !ack) return;  // lost with the connection
                           for (auto& sub : self->subscriptions_) {
                               if (sub.filter != filter) continue;
                               sub.acknowledged = !ack->reasons.empty() && !mqtt::is_error(ack->reasons[0]);
                               if (sub.done) sub.done(e, ack);
                               break;
                           }
                       });
}

void ReconnectingClient::stop() {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
    if (client_) {
        if (client_->connected()) {
            client_->disconnect();
        } else {
            client_->close();
        }
    }
    auto pending = std::move(out_);
    out_.clear();
    by_id_.clear();
    on_wire_ = 0;
    const Error closed{Error::Kind::Closed, mqtt::ReasonCode::Success,
                       "stopped before the broker acknowledged the message"};
    for (auto& [seq, m] : pending) {
        if (m.done) m.done(closed);
    }
}

}  // namespace tapmq::client
