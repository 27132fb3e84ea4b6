// What the client does with each packet the broker sends.
#include <algorithm>
#include <cstdio>

#include "client.hpp"

namespace tapmq::client {

using mqtt::ReasonCode;

namespace {

std::string with_reason_string(std::string what, const mqtt::Properties& p) {
    if (p.reason_string) {
        what += " [";
        what += *p.reason_string;
        what += "]";
    }
    return what;
}

// A PUBACK, PUBREC, PUBREL or PUBCOMP built in place.
template <class T>
mqtt::Packet response(std::uint16_t packet_id, ReasonCode rc = ReasonCode::Success) {
    mqtt::Packet packet{std::in_place_type<T>};
    auto& r = std::get<T>(packet);
    r.packet_id = packet_id;
    r.reason = rc;
    return packet;
}

}  // namespace

void Client::handle(mqtt::Packet& p) {
    using T = mqtt::PacketType;
    switch (mqtt::packet_type(p)) {
        case T::Publish:
            on_publish(std::get<mqtt::Publish>(p));
            return;
        case T::Puback:
            on_puback(std::get<mqtt::Puback>(p));
            return;
        case T::Pubrec:
            on_pubrec(std::get<mqtt::Pubrec>(p));
            return;
        case T::Pubrel:
            on_pubrel(std::get<mqtt::Pubrel>(p));
            return;
        case T::Pubcomp:
            on_pubcomp(std::get<mqtt::Pubcomp>(p));
            return;
        case T::Connack:
            on_connack(std::get<mqtt::Connack>(p));
            return;
        case T::Suback:
            on_suback(std::get<mqtt::Suback>(p));
            return;
        case T::Unsuback:
            on_unsuback(std::get<mqtt::Unsuback>(p));
            return;
        case T::Pingresp:
            ping_outstanding_ = false;
            return;
        case T::Disconnect:
            on_disconnect(std::get<mqtt::Disconnect>(p));
            return;
        case T::Auth:
            on_auth(std::get<mqtt::Auth>(p));
            return;
        default:
            protocol_violation(ReasonCode::ProtocolError,
                               std::string("unexpected ") +
                                   std::string(mqtt::to_string(mqtt::packet_type(p))) + " from the broker");
    }
}

void Client::on_connack(const mqtt::Connack& c) {
    if (state_ != State::AwaitConnack) {
        protocol_violation(ReasonCode::ProtocolError, "unexpected CONNACK");
        return;
    }
    if (mqtt::is_error(c.reason)) {
        auto h = std::move(on_connect_);
        on_connect_ = nullptr;
        Error e = Error::refused(c.reason, {});
        char code[8];
        if (mqtt::is_v5(version_)) {
            std::snprintf(code, sizeof code, "0x%02X", static_cast<unsigned>(c.reason));
            e.message = with_reason_string("the broker refused the connection: " + std::string(code) + " " +
                                               std::string(mqtt::to_string(c.reason)),
                                           c.properties);
        } else {  // 3.x users know the return code, not the MQTT 5 reason code
            e.message = "the broker refused the connection: return code " +
                        std::to_string(mqtt::to_v3_connack_code(c.reason)) + " " +
                        std::string(mqtt::to_string(c.reason));
        }
        fail(e);
        if (h) h(e, &c);
        return;
    }
    if (auto auth = std::move(auth_)) {
        if (c.properties.authentication_method != std::string_view(auth_method_) ||
            !auth->verify_success(c.properties.authentication_data.value_or(std::string_view{}))) {
            auto h = std::move(on_connect_);
            on_connect_ = nullptr;
            Error e{Error::Kind::Protocol, ReasonCode::NotAuthorized,
                    "the broker failed to authenticate itself: " + auth->error()};
            fail(e);
            if (h) h(e, &c);
            return;
        }
    }
    const auto& p = c.properties;
    server_.session_present = c.session_present;
    if (!c.session_present) qos2_received_.clear();  // a new session: no QoS 2 exchange is pending
    server_.receive_maximum = p.receive_maximum.value_or(65'535);
    server_.maximum_qos = static_cast<mqtt::QoS>(p.maximum_qos.value_or(2));
    server_.retain_available = p.retain_available.value_or(1) != 0;
    server_.maximum_packet_size = p.maximum_packet_size.value_or(mqtt::kMaxPacketSize);
    server_.topic_alias_maximum = p.topic_alias_maximum.value_or(0);
    server_.wildcard_available = p.wildcard_subscription_available.value_or(1) != 0;
    server_.subscription_ids_available = p.subscription_identifier_available.value_or(1) != 0;
    server_.shared_available = p.shared_subscription_available.value_or(1) != 0;
    server_.server_keep_alive = p.server_keep_alive;
    if (p.assigned_client_identifier) server_.assigned_client_id = *p.assigned_client_identifier;
    if (p.server_keep_alive) keep_alive_ = std::chrono::seconds(*p.server_keep_alive);

    window_.set_capacity(std::min(server_.receive_maximum, local_max_inflight_));
    state_ = State::Connected;
    if (keep_alive_.count() > 0) {
        arm_timer(std::max(keep_alive_ / 2, std::chrono::milliseconds(500)));
    } else {
        timer_.cancel();
    }
    if (auto h = std::move(on_connect_)) {
        on_connect_ = nullptr;
        h(Error::success(), &c);
    }
    pump();
}

void Client::on_publish(const mqtt::Publish& p) {
    if (state_ != State::Connected && state_ != State::Disconnecting) {
        protocol_violation(ReasonCode::ProtocolError, "PUBLISH before CONNACK");
        return;
    }
    if (p.properties.topic_alias) {
        protocol_violation(ReasonCode::TopicAliasInvalid, "topic alias the client never allowed");
        return;
    }
    if (manual_acks_ || p.qos == mqtt::QoS::AtMostOnce) {  // answered by acknowledge(), if at all
        if (on_message_) on_message_(p);
        return;
    }
    switch (p.qos) {
        case mqtt::QoS::AtMostOnce:
            return;
        case mqtt::QoS::AtLeastOnce: {
            const std::uint16_t id = p.packet_id;
            if (on_message_) on_message_(p);
            send(response<mqtt::Puback>(id));
            return;
        }
        case mqtt::QoS::ExactlyOnce: {
            const std::uint16_t id = p.packet_id;
            if (qos2_received_.empty()) qos2_received_.resize(65'536);
            if (!qos2_received_[id]) {  // a re-sent PUBLISH before PUBREL is not delivered twice
                qos2_received_[id] = true;
                if (on_message_) on_message_(p);
            }
            send(response<mqtt::Pubrec>(id));
            return;
        }
    }
}

void Client::on_puback(const mqtt::Puback& a) {
    auto* slot = window_.find(a.packet_id);
    if (!slot || slot->stage != InflightWindow::Stage::AwaitPuback) return;  // stale: ignore
    if (mqtt::is_error(a.reason)) {
        complete(a.packet_id, Error::refused(a.reason, with_reason_string("PUBLISH refused", a.properties)));
    } else {
        complete(a.packet_id, Error::success());
    }
}

void Client::on_pubrec(const mqtt::Pubrec& r) {
    auto* slot = window_.find(r.packet_id);
    if (!slot) {
        const bool v5 = mqtt::is_v5(version_);
        send(response<mqtt::Pubrel>(r.packet_id,
                                    v5 ? ReasonCode::PacketIdentifierNotFound : ReasonCode::Success));
        return;
    }
    if (slot->stage == InflightWindow::Stage::AwaitPuback) return;
    if (mqtt::is_error(r.reason)) {
        complete(r.packet_id, Error::refused(r.reason, with_reason_string("PUBLISH refused", r.properties)));
        return;
    }
    if (manual_acks_) {  // the caller sends PUBREL (resend_pubrel) when it is ready to
        complete(r.packet_id, Error::success());
        if (on_pubrec_received_) on_pubrec_received_(r.packet_id);
        return;
    }
    slot->stage = InflightWindow::Stage::AwaitPubcomp;
    send(response<mqtt::Pubrel>(r.packet_id));
    if (on_pubrec_received_) on_pubrec_received_(r.packet_id);
}

void Client::on_pubrel(const mqtt::Pubrel& r) {
    if (manual_acks_ && on_pubrel_) {
        on_pubrel_(r.packet_id);
        return;
    }
    ReasonCode rc = ReasonCode::Success;
    if (!qos2_received_.empty() && qos2_received_[r.packet_id]) {
        qos2_received_[r.packet_id] = false;
    } else if (mqtt::is_v5(version_)) {
        rc = ReasonCode::PacketIdentifierNotFound;
    }
    send(response<mqtt::Pubcomp>(r.packet_id, rc));
}

bool Client::acknowledge(std::uint16_t packet_id, mqtt::QoS qos, ReasonCode reason) {
    if (state_ != State::Connected && state_ != State::Disconnecting) return false;
    if (qos == mqtt::QoS::AtLeastOnce) {
        send(response<mqtt::Puback>(packet_id, reason));
    } else if (qos == mqtt::QoS::ExactlyOnce) {
        send(response<mqtt::Pubrec>(packet_id, reason));
    }
    return true;
}

bool Client::complete_incoming(std::uint16_t packet_id, ReasonCode reason) {
    if (state_ != State::Connected && state_ != State::Disconnecting) return false;
    send(response<mqtt::Pubcomp>(packet_id, reason));
    return true;
}

void Client::on_pubcomp(const mqtt::Pubcomp& c) {
    auto* slot = window_.find(c.packet_id);
    if (!slot || slot->stage != InflightWindow::Stage::AwaitPubcomp) return;
    if (mqtt::is_error(c.reason)) {
        complete(c.packet_id, Error::refused(c.reason, with_reason_string("PUBREL refused", c.properties)));
    } else {
        complete(c.packet_id, Error::success());
    }
}

void Client::on_suback(const mqtt::Suback& s) {
    auto r = requests_.take(s.packet_id);
    if (r && r->on_suback) r->on_suback(Error::success(), &s);
}

void Client::on_unsuback(const mqtt::Unsuback& u) {
    auto r = requests_.take(u.packet_id);
    if (r && r->on_unsuback) r->on_unsuback(Error::success(), &u);
}

void Client::on_disconnect(const mqtt::Disconnect& d) {
    std::string what = "the broker disconnected: ";
    what += mqtt::to_string(d.reason);
    fail(Error{Error::Kind::Disconnected, d.reason, with_reason_string(std::move(what), d.properties)});
}

void Client::on_auth(const mqtt::Auth& a) {
    if (state_ != State::AwaitConnack || !auth_) {
        protocol_violation(ReasonCode::ProtocolError, "unexpected AUTH");
        return;
    }
    if (a.reason != ReasonCode::ContinueAuthentication ||
        a.properties.authentication_method != std::string_view(auth_method_)) {
        protocol_violation(ReasonCode::ProtocolError, "AUTH with another method or reason code");
        return;
    }
    auto answer = auth_->respond(a.properties.authentication_data.value_or(std::string_view{}));
    if (!answer) {
        fail(Error{Error::Kind::Protocol, ReasonCode::NotAuthorized, "authentication: " + auth_->error()});
        return;
    }
    mqtt::Packet packet{std::in_place_type<mqtt::Auth>};
    auto& reply = std::get<mqtt::Auth>(packet);
    reply.reason = ReasonCode::ContinueAuthentication;
    reply.properties.authentication_method = auth_method_;
    reply.properties.authentication_data = *answer;
    send(packet);
}

void Client::protocol_violation(ReasonCode rc, const std::string& what) {
    fail(Error{Error::Kind::Protocol, rc, "protocol violation by the broker: " + what});
}

}  // namespace tapmq::client
