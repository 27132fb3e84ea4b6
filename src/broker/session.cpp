#include "session.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "connection.hpp"
#include "durability.hpp"
#include "log_text.hpp"
#include "stats.hpp"

namespace tapmq::broker {
namespace {

// Why send_publish did not send: for the drop log.
const char* why(SendResult r) noexcept {
    switch (r) {
        case SendResult::TooLarge:
            return "larger than the client's maximum packet size once encoded for it";
        case SendResult::OutsideMountPoint:
            return "outside the mount point of the client's listener";
        default:
            return "client write buffer full";
    }
}

}  // namespace

void Session::deliver(Outgoing out) {
    std::lock_guard lock(mutex_);
    if (out.msg->expires_at && out.msg->expired(Clock::now())) return;
    if (!may_read(out.msg->topic())) return;  // ACL on every delivery path
    if (!conn_) {
        if (out.qos == mqtt::QoS::AtMostOnce && !ctx_.limits.queue_qos0) return;
        enqueue_locked(std::move(out));
        return;
    }
    if (out.qos == mqtt::QoS::AtMostOnce) {
        if (const SendResult r = conn_->send_publish(out, 0, false); r != SendResult::Sent) drop(out, why(r));
        return;
    }
    if (!queue_.empty() || inflight_full_locked()) {
        enqueue_locked(std::move(out));
        return;
    }
    send_inflight_locked(std::move(out));  // a full buffer leaves it at the head of the queue
}

std::size_t Session::window_locked() const noexcept {
    std::size_t w = client_receive_maximum_;
    if (ctx_.limits.max_inflight != 0 && ctx_.limits.max_inflight < w) w = ctx_.limits.max_inflight;
    return w;
}

bool Session::inflight_full_locked() const noexcept {
    if (inflight_.size() >= window_locked()) return true;
    const std::uint64_t max_bytes = ctx_.limits.max_inflight_bytes;
    if (max_bytes == 0 || inflight_.empty()) return false;
    std::uint64_t bytes = 0;  // summed when asked: the window is small, and only with the limit set
    for (const auto& f : *inflight_.get())
        bytes += f.out.msg->publish.payload().size();
    return bytes >= max_bytes;
}

void Session::enqueue_locked(Outgoing&& out) {
    const std::size_t bytes = out.msg->bytes();
    const bool over_count = ctx_.limits.max_queued != 0 && queue_.size() >= ctx_.limits.max_queued;
    const bool over_bytes =
        ctx_.limits.max_queued_bytes != 0 && queued_bytes_ + bytes > ctx_.limits.max_queued_bytes;
    if (over_count || over_bytes) {
        // Make room by dropping a queued QoS 0 message before refusing a QoS 1/2 one.
        if (out.qos != mqtt::QoS::AtMostOnce) {
            for (auto it = queue_->begin(); it != queue_->end(); ++it) {
                if (it->qos == mqtt::QoS::AtMostOnce) {
                    queued_bytes_ -= it->msg->bytes();  // QoS 0 is never stored
                    drop(*it, "queue full, QoS 0 message dropped for a QoS 1/2 one");
                    queue_->erase(it);
                    enqueue_locked(std::move(out));
                    return;
                }
            }
        }
        drop(out, over_count ? "max_queued_messages reached" : "max_queued_bytes reached");
        return;
    }
    queued_bytes_ += bytes;
    queue_->push_back(std::move(out));
    store_outgoing_locked(queue_->back(), 0, 0);
    note_backlog_locked();
}

void Session::note_backlog_locked() noexcept {
    const auto now = static_cast<std::uint32_t>(queue_.size());
    const std::uint32_t before = queued_.exchange(now, std::memory_order_relaxed);
    if (now > before) Stats::add(ctx_.stats.messages_queued, now - before);
    if (now < before) Stats::sub(ctx_.stats.messages_queued, before - now);
}

Session::~Session() {
    // The broker's counters and the registry's contexts outlive every session (Broker declares
    // them before everything that holds sessions).
    if (const std::uint32_t left = queued_.load(std::memory_order_relaxed))
        Stats::sub(ctx_.stats.messages_queued, left);
}

void Session::trim_locked() noexcept {
    inflight_.trim();
    queue_.trim();
}

namespace {

std::uint8_t options_byte(const mqtt::SubscriptionOptions& o) {
    return static_cast<std::uint8_t>(static_cast<unsigned>(o.qos) | (o.no_local ? 0x04 : 0) |
                                     (o.retain_as_published ? 0x08 : 0) | (o.retain_handling << 4));
}

}  // namespace

void Session::store_outgoing_locked(Outgoing& out, std::uint8_t stage, std::uint16_t packet_id) {
    if (!persistent() || out.qos == mqtt::QoS::AtMostOnce) return;
    ctx_.durability->write([&](persist::Batch& b) {
        const bool created = out.store_key == 0;
        if (created) {
            out.store_key = ++last_store_key_;
            // The first session to store a message keeps it in its own queue record: one record per
            // message in the usual case. Others refer to a message record, written once.
            out.stored_inline = !out.msg->durable_inline.exchange(true, std::memory_order_acq_rel);
            if (!out.stored_inline) ctx_.durability->reference(*out.msg, b);
        }
        persist::OutgoingView rec;
        persist::MessageView inline_msg;
        if (out.stored_inline) {
            // Past PUBREC only the packet id matters (spec 4.3.3): the message is left out.
            if (stage != static_cast<std::uint8_t>(Stage::AwaitPubcomp) && out.msg) {
                inline_msg = Durability::to_view(*out.msg, 0);
                rec.message = &inline_msg;
            }
        } else if (out.msg) {
            rec.message_id = out.msg->durable_id.load(std::memory_order_relaxed);
        }
        rec.qos = static_cast<std::uint8_t>(out.qos);
        rec.retain = out.retain;
        rec.stage = stage;
        rec.packet_id = packet_id;
        rec.subscription_ids = out.subscription_ids;
        if (out.share) rec.share = *out.share;
        if (created) {
            b.create_outgoing(client_id_, out.store_key, rec);
        } else {
            b.put_outgoing(client_id_, out.store_key, rec);
        }
    });
}

void Session::forget_outgoing_locked(const Outgoing& out) {
    if (out.store_key == 0 || ctx_.durability == nullptr) return;
    ctx_.durability->write([&](persist::Batch& b) {
        b.erase_outgoing(client_id_, out.store_key);
        if (out.msg && !out.stored_inline) ctx_.durability->unreference(*out.msg, b);
    });
}

void Session::persist_meta() {
    if (ctx_.durability == nullptr) return;
    std::lock_guard lock(mutex_);
    ctx_.durability->write([&](persist::Batch& b) {
        if (expiry_interval() == 0) {
            b.erase_session(client_id_);
            return;
        }
        stored_.store(true, std::memory_order_relaxed);
        persist::StoredSession s;
        s.client_id = client_id_;
        s.expiry_interval = expiry_interval();
        if (!conn_) s.disconnected_at_unix_ms = Durability::to_unix_ms(disconnected_at_);
        b.put_session(s);
    });
}

void Session::persist_will(const StoredWill* w) {
    if (!persistent()) return;  // a session that is not stored has no will record either
    if (w && w->access && !w->access->can_publish(w->msg->topic())) w = nullptr;
    std::lock_guard lock(mutex_);
    ++will_writes_;
    ctx_.durability->write([&](persist::Batch& b) {
        if (w == nullptr) {
            b.erase_will(client_id_);
            return;
        }
        persist::StoredWill rec;
        rec.msg = Durability::to_stored(*w->msg, 0);
        rec.delay = w->delay;
        rec.due_unix_ms = w->due == Clock::time_point{} ? 0 : Durability::to_unix_ms(w->due);
        rec.expiry_interval = w->expiry_interval;
        b.put_will(client_id_, rec);
    });
}

void Session::restore_offline_since(Clock::time_point t) {
    std::lock_guard lock(mutex_);
    disconnected_at_ = t;
}

void Session::restore_outgoing(Outgoing out, std::uint8_t stage, std::uint16_t packet_id) {
    std::lock_guard lock(mutex_);
    last_store_key_ = std::max(last_store_key_, out.store_key);
    if (stage == 0) {
        queued_bytes_ += out.msg->bytes();
        queue_->push_back(std::move(out));
        note_backlog_locked();
        return;
    }
    const Stage s = stage == 1 ? Stage::AwaitPuback : stage == 2 ? Stage::AwaitPubrec : Stage::AwaitPubcomp;
    last_packet_id_ = std::max(last_packet_id_, packet_id);
    ids_in_order_ = false;  // stored order need not be id order
    inflight_->push_back({packet_id, s, std::move(out)});
}

void Session::restore_subscription(std::string_view filter, const SubscriptionRecord& r) {
    std::lock_guard lock(mutex_);
    subscriptions_->insert_or_assign(std::string(filter), r);
    stored_.store(true, std::memory_order_relaxed);
}

void Session::restore_incoming_qos2(std::uint16_t id) {
    std::lock_guard lock(mutex_);
    incoming_qos2_->insert(id);
}

void Session::drop(const Outgoing& out, const char* why) {
    Stats::add(ctx_.stats.publish_dropped);
    // Log the first drop and then every 1000th, so a flood does not flood the log.
    if (dropped_++ % 1000 == 0) {
        spdlog::warn("Dropping message on topic '{}' (QoS {}) for client {}: {} ({} dropped so far).",
                     out.msg->topic(), static_cast<int>(out.qos), loggable(client_id_), why, dropped_);
    }
}

std::uint16_t Session::next_packet_id_locked() {
    if (++last_packet_id_ == 0) last_packet_id_ = 1;
    if (inflight_.empty()) {
        ids_in_order_ = true;
        return last_packet_id_;
    }
    // Ids are handed out in order, so while the window's ids run (cyclically over 1..65535) from
    // its front to its back, an id past the back is free without searching the window.
    const auto from_front = [front = inflight_->front().packet_id](std::uint16_t id) {
        return (id + 65535u - front) % 65535u;
    };
    if (ids_in_order_ && from_front(last_packet_id_) > from_front(inflight_->back().packet_id)) {
        return last_packet_id_;
    }
    // Wrapped around onto the window (an old delivery is still unacknowledged): skip ids in use.
    // The window is at most 65535 wide.
    while (find_inflight_locked(last_packet_id_) != inflight_->end()) {
        if (++last_packet_id_ == 0) last_packet_id_ = 1;
    }
    if (from_front(last_packet_id_) <= from_front(inflight_->back().packet_id)) ids_in_order_ = false;
    return last_packet_id_;
}

Session::Deque<Session::Inflight>::iterator Session::find_inflight_locked(std::uint16_t id) {
    // Acknowledgements mostly arrive in order, so the match is usually at the front.
    for (auto it = inflight_->begin(); it != inflight_->end(); ++it) {
        if (it->packet_id == id) return it;
    }
    return inflight_->end();
}

bool Session::send_inflight_locked(Outgoing&& out) {
    std::uint16_t id = next_packet_id_locked();
    const Stage stage = out.qos == mqtt::QoS::AtLeastOnce ? Stage::AwaitPuback : Stage::AwaitPubrec;
    // Stored before it is sent: the bytes wait for this write (write-ahead, see durability.hpp).
    store_outgoing_locked(out, static_cast<std::uint8_t>(stage), id);
    const SendResult r = conn_->send_publish(out, id, false);
    switch (r) {
        case SendResult::Full:
            store_outgoing_locked(out, 0, 0);
            queued_bytes_ += out.msg->bytes();
            queue_->push_front(std::move(out));
            note_backlog_locked();
            return false;
        case SendResult::TooLarge:  // discarded as if delivered (spec 3.1.2.11.4)
        case SendResult::OutsideMountPoint:
            drop(out, why(r));
            forget_outgoing_locked(out);
            return true;
        case SendResult::Sent:
            break;
    }
    inflight_->push_back({id, stage, std::move(out)});
    return true;
}

void Session::pump() {
    std::lock_guard lock(mutex_);
    pump_locked();
}

void Session::pump_locked() {
    pump_queue_locked();
    note_backlog_locked();
    trim_locked();
}

void Session::pump_queue_locked() {
    if (!conn_ || queue_.empty()) return;
    std::optional<Clock::time_point> now;  // read once, and only for a message that can expire
    while (!queue_.empty()) {
        Outgoing& front = queue_->front();
        if (front.msg->expires_at && front.msg->expired(now ? *now : *(now = Clock::now()))) {
            queued_bytes_ -= front.msg->bytes();
            forget_outgoing_locked(front);
            queue_->pop_front();
            continue;
        }
        if (front.qos == mqtt::QoS::AtMostOnce) {
            if (const SendResult r = conn_->send_publish(front, 0, false); r == SendResult::Full) {
                return;
            } else if (r != SendResult::Sent) {
                drop(front, why(r));
            }
            queued_bytes_ -= front.msg->bytes();
            queue_->pop_front();
            continue;
        }
        if (inflight_full_locked()) return;
        Outgoing out = std::move(front);
        queue_->pop_front();
        queued_bytes_ -= out.msg->bytes();
        if (!send_inflight_locked(std::move(out))) return;
    }
}

void Session::set_access(ClientAccessPtr access) {
    std::lock_guard lock(mutex_);
    access_.store(access, std::memory_order_release);
    checks_access_.store(access != nullptr, std::memory_order_release);
}

void Session::attach(const std::shared_ptr<Connection>& c, std::uint16_t client_receive_maximum, bool resume,
                     ClientAccessPtr access) {
    std::lock_guard lock(mutex_);
    conn_ = c;
    access_.store(access, std::memory_order_release);
    checks_access_.store(access != nullptr, std::memory_order_release);
    if (access && !queue_.empty()) {
        // What waited for this session was checked against whoever it was then: check again with
        // the identity that resumes it (it may be another user, or the ACL may have changed).
        queue_->erase(std::remove_if(queue_->begin(), queue_->end(),
                                     [this, &access](const Outgoing& o) {
                                         if (access->can_read(o.msg->topic())) return false;
                                         queued_bytes_ -= o.msg->bytes();
                                         forget_outgoing_locked(o);
                                         return true;
                                     }),
                      queue_->end());
        note_backlog_locked();
    }
    if (access && !inflight_.empty()) {
        inflight_->erase(
            std::remove_if(inflight_->begin(), inflight_->end(),
                           [this, &access](const Inflight& i) {
                               if (i.stage == Stage::AwaitPubcomp || access->can_read(i.out.msg->topic())) {
                                   return false;
                               }
                               forget_outgoing_locked(i.out);
                               return true;
                           }),
            inflight_->end());
    }
    trim_locked();
    online_.store(true, std::memory_order_relaxed);
    home_.store(&c->worker(), std::memory_order_relaxed);
    pending_will_.reset();
    client_receive_maximum_ = client_receive_maximum;
    if (!resume) return;
    // Re-send the window in its original order (spec 4.4): PUBLISH with DUP, or PUBREL.
    if (!inflight_.empty()) {
        const auto now = Clock::now();
        for (auto it = inflight_->begin(); it != inflight_->end();) {
            if (it->stage == Stage::AwaitPubcomp) {
                conn_->send_pubrel(it->packet_id);
            } else if (it->out.msg->expired(now) && it->stage == Stage::AwaitPuback) {
                forget_outgoing_locked(it->out);
                it = inflight_->erase(it);
                continue;
            } else {
                conn_->send_publish(it->out, it->packet_id, true, /*force=*/true);
            }
            ++it;
        }
    }
    pump_locked();
}

bool Session::detach(const Connection* c) {
    std::lock_guard lock(mutex_);
    if (conn_.get() != c) return false;
    conn_.reset();
    online_.store(false, std::memory_order_relaxed);
    home_.store(nullptr, std::memory_order_relaxed);
    disconnected_at_ = Clock::now();
    return true;
}

std::shared_ptr<Connection> Session::connection() {
    std::lock_guard lock(mutex_);
    return conn_;
}

bool Session::on_puback(std::uint16_t id) {
    std::lock_guard lock(mutex_);
    if (inflight_.empty()) return false;
    auto it = find_inflight_locked(id);
    if (it == inflight_->end() || it->stage != Stage::AwaitPuback) return false;
    forget_outgoing_locked(it->out);
    inflight_->erase(it);
    pump_locked();
    return true;
}

bool Session::on_pubrec(std::uint16_t id, bool error) {
    std::lock_guard lock(mutex_);
    if (inflight_.empty()) return false;
    auto it = find_inflight_locked(id);
    if (it == inflight_->end() || it->stage != Stage::AwaitPubrec) return false;
    if (error) {  // a PUBREC with a failure code ends the exchange (spec 4.3.3)
        forget_outgoing_locked(it->out);
        inflight_->erase(it);
        pump_locked();
        return true;
    }
    it->stage = Stage::AwaitPubcomp;
    if (it->out.store_key != 0 && persistent()) {
        store_outgoing_locked(it->out, static_cast<std::uint8_t>(Stage::AwaitPubcomp), id);
        if (!it->out.stored_inline) {
            ctx_.durability->write([&](persist::Batch& b) { ctx_.durability->unreference(*it->out.msg, b); });
        }
    }
    it->out.msg.reset();  // the message itself is no longer needed, only the packet id
    if (conn_) conn_->send_pubrel(id);
    return true;
}

bool Session::on_pubcomp(std::uint16_t id) {
    std::lock_guard lock(mutex_);
    if (inflight_.empty()) return false;
    auto it = find_inflight_locked(id);
    if (it == inflight_->end() || it->stage != Stage::AwaitPubcomp) return false;
    forget_outgoing_locked(it->out);
    inflight_->erase(it);
    pump_locked();
    return true;
}

bool Session::begin_incoming_qos2(std::uint16_t id) {
    std::lock_guard lock(mutex_);
    if (!incoming_qos2_->insert(id).second) return false;
    if (persistent()) ctx_.durability->write([&](persist::Batch& b) { b.put_incoming_qos2(client_id_, id); });
    return true;
}

bool Session::release_incoming_qos2(std::uint16_t id) {
    std::lock_guard lock(mutex_);
    if (incoming_qos2_.empty() || incoming_qos2_->erase(id) == 0) return false;
    incoming_qos2_.trim();
    if (persistent())
        ctx_.durability->write([&](persist::Batch& b) { b.erase_incoming_qos2(client_id_, id); });
    return true;
}

std::size_t Session::incoming_qos2_count() {
    std::lock_guard lock(mutex_);
    return incoming_qos2_.size();
}

bool Session::add_subscription(std::string_view filter, const SubscriptionRecord& r) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = subscriptions_->try_emplace(std::string(filter), r);
    if (!inserted) it->second = r;
    if (persistent()) {
        ctx_.durability->write([&](persist::Batch& b) {
            b.put_subscription(client_id_, filter, options_byte(r.options), r.identifier);
        });
    }
    return inserted;
}

bool Session::remove_subscription(std::string_view filter) {
    std::lock_guard lock(mutex_);
    if (subscriptions_.empty()) return false;
    auto it = subscriptions_->find(filter);
    if (it == subscriptions_->end()) return false;
    subscriptions_->erase(it);
    subscriptions_.trim();
    if (persistent())
        ctx_.durability->write([&](persist::Batch& b) { b.erase_subscription(client_id_, filter); });
    return true;
}

std::map<std::string, SubscriptionRecord, std::less<>> Session::take_subscriptions() {
    std::lock_guard lock(mutex_);
    return subscriptions_.take();
}

std::optional<Clock::time_point> Session::expires_at() const {
    std::lock_guard lock(mutex_);
    const std::uint32_t expiry = expiry_interval();
    if (conn_ || expiry == 0xFFFFFFFF) return std::nullopt;
    return disconnected_at_ + std::chrono::seconds(expiry);
}

void Session::set_pending_will(StoredWill w) {
    std::lock_guard lock(mutex_);
    pending_will_ = std::make_unique<StoredWill>(std::move(w));
}

std::optional<StoredWill> Session::take_pending_will(Clock::time_point now, bool force,
                                                     std::uint16_t* will_writes) {
    std::lock_guard lock(mutex_);
    if (will_writes != nullptr) *will_writes = will_writes_;
    if (!pending_will_ || (!force && now < pending_will_->due)) return std::nullopt;
    std::optional<StoredWill> w(std::move(*pending_will_));
    pending_will_.reset();
    return w;
}

std::vector<Outgoing> Session::take_shared(bool session_ends) {
    std::lock_guard lock(mutex_);
    std::vector<Outgoing> taken;
    if (inflight_.empty() && queue_.empty()) return taken;
    for (auto it = inflight_->begin(); it != inflight_->end();) {
        const bool movable = it->out.share && (it->stage == Stage::AwaitPuback ||
                                               (session_ends && it->stage == Stage::AwaitPubrec));
        if (!movable) {
            ++it;
            continue;
        }
        forget_outgoing_locked(it->out);
        it->out.store_key = 0;
        taken.push_back(std::move(it->out));
        it = inflight_->erase(it);
    }
    for (auto it = queue_->begin(); it != queue_->end();) {
        if (!it->share || it->qos == mqtt::QoS::AtMostOnce) {
            ++it;
            continue;
        }
        queued_bytes_ -= it->msg->bytes();
        forget_outgoing_locked(*it);
        it->store_key = 0;
        taken.push_back(std::move(*it));
        it = queue_->erase(it);
    }
    note_backlog_locked();
    trim_locked();
    return taken;
}

void Session::requeue_front(std::vector<Outgoing> msgs) {
    std::lock_guard lock(mutex_);
    for (auto it = msgs.rbegin(); it != msgs.rend(); ++it) {
        queued_bytes_ += it->msg->bytes();
        queue_->push_front(std::move(*it));
        store_outgoing_locked(queue_->front(), 0, 0);
    }
    note_backlog_locked();
}

void Session::end_will_publication(std::uint16_t will_writes, std::optional<Durability::Scope>& scope) {
    std::lock_guard lock(mutex_);
    if (persistent() && will_writes_ == will_writes) {
        ctx_.durability->write([&](persist::Batch& b) { b.erase_will(client_id_); });
    }
    // Submitted under the lock: a will written after this point (a CONNECT that takes the lock
    // next) goes into a batch submitted later, so it stays.
    scope.reset();
}

}  // namespace tapmq::broker
