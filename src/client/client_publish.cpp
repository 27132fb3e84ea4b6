// The outgoing side: PUBLISH encoding, the inflight window and its queue, SUBSCRIBE/UNSUBSCRIBE.
#include <cassert>

#include "client.hpp"
#include "mqtt/encoder.hpp"
#include "mqtt/topic.hpp"

namespace tapmq::client {

bool Client::publish_allowed(mqtt::QoS qos, bool retain) const noexcept {
    if (state_ != State::Connected) return false;
    if (static_cast<unsigned>(qos) > static_cast<unsigned>(server_.maximum_qos)) return false;
    if (retain && !server_.retain_available) return false;
    return true;
}

void Client::encode_publish(std::string& out, std::string_view topic, std::string_view payload, mqtt::QoS qos,
                            bool retain, std::uint16_t packet_id, const mqtt::Properties* properties,
                            bool dup) {
    mqtt::Packet packet{std::in_place_type<mqtt::Publish>};
    auto& p = std::get<mqtt::Publish>(packet);
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    p.retain = retain;
    p.packet_id = packet_id;
    p.dup = dup;
    if (properties && mqtt::is_v5(version_)) p.properties = *properties;
    mqtt::encode_append(packet, version_, out);
}

bool Client::publish(std::string_view topic, std::string_view payload, mqtt::QoS qos, bool retain,
                     PublishHandler done, const mqtt::Properties* properties) {
    if (!publish_allowed(qos, retain) || !mqtt::is_valid_topic_name(topic)) return false;
    const std::size_t before = out_.size();
    if (qos == mqtt::QoS::AtMostOnce || (queue_.empty() && !window_.full())) {
        const std::uint16_t id = qos == mqtt::QoS::AtMostOnce ? 0 : window_.acquire(qos, std::move(done));
        encode_publish(out_, topic, payload, qos, retain, id, properties);
        if (out_.size() - before > server_.maximum_packet_size) {
            out_.resize(before);
            if (id != 0) window_.release(id);
            return false;
        }
        request_flush();
        return true;
    }
    // The window is full: encode now (the views are the caller's), number it when a slot frees.
    Queued q;
    encode_publish(q.bytes, topic, payload, qos, retain, 0, properties);
    if (q.bytes.size() > server_.maximum_packet_size) return false;
    auto header = mqtt::parse_fixed_header(q.bytes, mqtt::kMaxPacketSize);
    assert(header);
    q.packet_id_offset = header->header_size + 2 + topic.size();
    q.qos = qos;
    q.done = std::move(done);
    queue_.push_back(std::move(q));
    return true;
}

bool Client::publish_with_id(std::uint16_t packet_id, bool dup, std::string_view topic,
                             std::string_view payload, mqtt::QoS qos, bool retain, PublishHandler done,
                             const mqtt::Properties* properties) {
    if (qos == mqtt::QoS::AtMostOnce || window_.full()) return false;
    if (!publish_allowed(qos, retain) || !mqtt::is_valid_topic_name(topic)) return false;
    if (packet_id > InflightWindow::kMaxCapacity && (!manual_acks_ || requests_.contains(packet_id)))
        return false;
    const auto stage = qos == mqtt::QoS::ExactlyOnce ? InflightWindow::Stage::AwaitPubrec
                                                     : InflightWindow::Stage::AwaitPuback;
    const std::size_t before = out_.size();
    encode_publish(out_, topic, payload, qos, retain, packet_id, properties, dup);
    if (out_.size() - before > server_.maximum_packet_size ||
        !window_.acquire_at(packet_id, stage, std::move(done))) {
        out_.resize(before);
        return false;
    }
    request_flush();
    return true;
}

bool Client::resend_pubrel(std::uint16_t packet_id, PublishHandler done) {
    if (state_ != State::Connected || window_.full()) return false;
    if (packet_id > InflightWindow::kMaxCapacity && (!manual_acks_ || requests_.contains(packet_id)))
        return false;
    if (!window_.acquire_at(packet_id, InflightWindow::Stage::AwaitPubcomp, std::move(done))) return false;
    mqtt::Packet packet{std::in_place_type<mqtt::Pubrel>};
    std::get<mqtt::Pubrel>(packet).packet_id = packet_id;
    send(packet);
    return true;
}

std::vector<std::uint16_t> Client::incoming_qos2_ids() const {
    std::vector<std::uint16_t> ids;
    for (std::size_t i = 0; i < qos2_received_.size(); ++i) {
        if (qos2_received_[i]) ids.push_back(static_cast<std::uint16_t>(i));
    }
    return ids;
}

void Client::restore_incoming_qos2(const std::vector<std::uint16_t>& ids) {
    if (ids.empty()) return;
    if (qos2_received_.empty()) qos2_received_.resize(65'536);
    for (auto id : ids)
        qos2_received_[id] = true;
}

void Client::pump() {
    if (state_ != State::Connected || queue_.empty()) return;
    while (!queue_.empty() && !window_.full()) {
        Queued& q = queue_.front();
        const std::uint16_t id = window_.acquire(q.qos, std::move(q.done));
        q.bytes[q.packet_id_offset] = static_cast<char>(id >> 8);
        q.bytes[q.packet_id_offset + 1] = static_cast<char>(id & 0xFF);
        out_ += q.bytes;
        queue_.pop_front();
    }
    request_flush();
}

void Client::complete(std::uint16_t packet_id, const Error& e) {
    PublishHandler h = window_.release(packet_id);
    pump();
    if (h) h(e);
}

bool Client::subscribe(std::span<const mqtt::TopicSubscription> topics, SubscribeHandler done,
                       const mqtt::Properties* properties) {
    if (state_ != State::Connected || topics.empty()) return false;
    for (const auto& t : topics) {
        if (!mqtt::is_valid_topic_filter(t.filter)) return false;
    }
    auto id = requests_.add(RequestTable::Request{std::move(done), {}, false}, &window_);
    if (!id) return false;
    mqtt::Packet packet{std::in_place_type<mqtt::Subscribe>};
    auto& s = std::get<mqtt::Subscribe>(packet);
    s.packet_id = *id;
    s.topics.assign(topics.begin(), topics.end());
    if (properties && mqtt::is_v5(version_)) s.properties = *properties;
    send(packet);
    return true;
}

bool Client::subscribe(std::string_view filter, mqtt::QoS qos, SubscribeHandler done) {
    mqtt::TopicSubscription t{filter, mqtt::SubscriptionOptions{qos}};
    return subscribe(std::span<const mqtt::TopicSubscription>(&t, 1), std::move(done));
}

bool Client::unsubscribe(std::span<const std::string_view> filters, UnsubscribeHandler done,
                         const mqtt::Properties* properties) {
    if (state_ != State::Connected || filters.empty()) return false;
    auto id = requests_.add(RequestTable::Request{{}, std::move(done), false}, &window_);
    if (!id) return false;
    mqtt::Packet packet{std::in_place_type<mqtt::Unsubscribe>};
    auto& u = std::get<mqtt::Unsubscribe>(packet);
    u.packet_id = *id;
    u.filters.assign(filters.begin(), filters.end());
    if (properties && mqtt::is_v5(version_)) u.properties = *properties;
    send(packet);
    return true;
}

}  // namespace tapmq::client
