// What the broker does with each packet a client sends (spec chapter 3, server side).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "broker.hpp"
#include "connection.hpp"
#include "durability.hpp"
#include "log_text.hpp"
#include "mount_point.hpp"
#include "mqtt/topic.hpp"
#include "mqtt/utf8.hpp"
#include "stats.hpp"
#include "worker.hpp"

namespace tapmq::broker {
namespace {

using mqtt::ReasonCode;

std::string generate_client_id(const std::string& prefix) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id = prefix;
    for (int i = 0; i < 16; ++i)
        id.push_back(kHex[rng() & 0xF]);
    return id;
}

std::size_t topic_levels(std::string_view t) noexcept {
    return static_cast<std::size_t>(std::count(t.begin(), t.end(), '/')) + 1;
}

std::optional<Clock::time_point> expiry_of(const mqtt::Properties& p) {
    if (!p.message_expiry_interval) return std::nullopt;
    return Clock::now() + std::chrono::seconds(*p.message_expiry_interval);
}

}  // namespace

void Connection::handle(mqtt::Packet& p, std::string_view bytes) {
    if (state_ == State::AwaitConnect) {
        if (auto* c = std::get_if<mqtt::Connect>(&p)) {
            on_connect(*c, bytes);
        } else {
            spdlog::info("Closing {}: first packet was {}, not CONNECT.", describe(),
                         mqtt::to_string(mqtt::packet_type(p)));
            close_now();
        }
        return;
    }
    if (state_ == State::Authenticating) {
        // Spec 3.1.2.11.9 and 4.12: only AUTH or DISCONNECT until the CONNACK.
        if (auto* a = std::get_if<mqtt::Auth>(&p)) {
            on_auth_while_connecting(*a);
        } else if (std::holds_alternative<mqtt::Disconnect>(p)) {
            spdlog::info("Client {} disconnected during authentication.", describe());
            close_now();
        } else {
            fail(ReasonCode::ProtocolError,
                 std::string(mqtt::to_string(mqtt::packet_type(p))) + " before authentication finished");
        }
        return;
    }
    std::visit(
        [this](auto& pkt) {
            using T = std::decay_t<decltype(pkt)>;
            if constexpr (std::is_same_v<T, mqtt::Publish>) {
                on_publish(pkt);
            } else if constexpr (std::is_same_v<T, mqtt::Puback>) {
                on_puback(pkt);
            } else if constexpr (std::is_same_v<T, mqtt::Pubrec>) {
                on_pubrec(pkt);
            } else if constexpr (std::is_same_v<T, mqtt::Pubrel>) {
                on_pubrel(pkt);
            } else if constexpr (std::is_same_v<T, mqtt::Pubcomp>) {
                on_pubcomp(pkt);
            } else if constexpr (std::is_same_v<T, mqtt::Subscribe>) {
                on_subscribe(pkt);
            } else if constexpr (std::is_same_v<T, mqtt::Unsubscribe>) {
                on_unsubscribe(pkt);
            } else if constexpr (std::is_same_v<T, mqtt::Pingreq>) {
                send(mqtt::Pingresp{});
            } else if constexpr (std::is_same_v<T, mqtt::Disconnect>) {
                on_disconnect(pkt);
            } else if constexpr (std::is_same_v<T, mqtt::Auth>) {
                on_reauth(pkt);
            } else if constexpr (std::is_same_v<T, mqtt::Connect>) {
                fail(ReasonCode::ProtocolError, "second CONNECT");  // spec 3.1.0-2
            } else {
                fail(ReasonCode::ProtocolError, std::string("a client may not send ") +
                                                    std::string(mqtt::to_string(mqtt::packet_type(pkt))));
            }
        },
        p);
}

// ---------------------------------------------------------------- CONNECT

void Connection::on_connect(mqtt::Connect& c, std::string_view bytes) {
    const BrokerLimits& limits = broker_.limits();
    // An enhanced authentication exchange still counts as a pending handshake until it ends.
    if (!c.properties.authentication_method) end_handshake();
    version_ = c.version;
    extras().client_id = std::string(c.client_id);
    if (c.bridge) extras().bridge = true;
    if (c.username) set_username(std::string(*c.username));
    std::optional<std::string> certificate_user;
    if (listener_.use_identity_as_username || listener_.use_subject_as_username) {
        // Certificates only: the verified certificate names the user; no password is needed.
        auto identity = transport_->peer_identity();
        if (!identity) return refuse_login(ReasonCode::NotAuthorized, "no verified client certificate");
        certificate_user = listener_.use_subject_as_username ? identity->subject : identity->common_name;
        if (certificate_user->empty())
            return refuse_login(ReasonCode::NotAuthorized, "client certificate without a name");
    }
    const bool v5 = mqtt::is_v5(version_);

    if (listener_.use_username_as_clientid) {  // Mosquitto: no user name, no entry
        const std::string& user = certificate_user ? *certificate_user : username();
        if (user.empty()) return refuse_login(ReasonCode::NotAuthorized, "no user name to use as client id");
        extras_->client_id = user;
    }
    if (extras_->client_id.empty()) {
        const bool allowed = listener_.allow_zero_length_clientid && version_ != mqtt::ProtocolVersion::V31 &&
                             (v5 || c.clean_start);
        if (!allowed) return refuse(ReasonCode::ClientIdentifierNotValid, "empty client id");
        extras_->client_id = generate_client_id(listener_.auto_id_prefix);
        assigned_client_id_ = true;
    } else if (!limits.clientid_prefixes.empty() &&
               !extras_->client_id.starts_with(limits.clientid_prefixes)) {
        return refuse(ReasonCode::ClientIdentifierNotValid,
                      "client id without the prefix of clientid_prefixes");
    }
    if (c.properties.authentication_method) {
        if (certificate_user) {
            return refuse(ReasonCode::BadAuthenticationMethod,
                          "the client certificate is the login on this listener");
        }
        return begin_enhanced_auth(c, bytes);
    }
    auto policy = listener_.security.get();
    if (certificate_user || (!policy->passwords && !policy->jwt)) {  // nothing slow to check
        LoginResult login_result = login(*policy, c.username, c.password, std::move(certificate_user));
        if (login_result.code != ReasonCode::Success)
            return refuse_login(login_result.code, login_result.reason);
        return complete_connect(c, std::move(login_result), std::nullopt);
    }
    // Password hashing and token signatures run on the login pool. The CONNECT's views point into
    // the input buffer: keep the packet itself, and decode it again with the answer.
    extras().login_connect.assign(bytes);
    state_ = State::LoggingIn;
    std::optional<std::string> user, password;
    if (c.username) user = std::string(*c.username);
    if (c.password) password = std::string(*c.password);
    broker_.login_pool().submit(
        worker_.context(),
        [policy = std::move(policy), user = std::move(user), password = std::move(password)] {
            return login(*policy, user, password, std::nullopt);
        },
        [self = shared_from_this()](LoginResult r) { self->on_login_checked(std::move(r)); });
}

ClientAccessPtr Connection::publisher_identity() const {
    if (access_) return access_;
    std::optional<std::string> user;
    if (!username().empty()) user = username();
    return std::make_shared<ClientAccess>(listener_.security, std::move(user), client_id(), listener_.name);
}

void Connection::policy_reloaded() {
    if (state_ != State::Connected || access_) return;  // has one: it reads the slot at each check
    if (!listener_.security.get()->acl) return;
    // Logged in while no ACL file applied: from now on the reloaded one does.
    std::optional<std::string> user;
    if (!username().empty()) user = username();
    access_ =
        std::make_shared<ClientAccess>(listener_.security, std::move(user), client_id(), listener_.name);
    session_->set_access(access_);
    if (StoredWill* w = will()) w->access = access_;
}

void Connection::on_login_checked(LoginResult r) {
    if (state_ != State::LoggingIn) return;  // closed meanwhile (CONNECT timeout, shutdown)
    state_ = State::AwaitConnect;
    const std::string connect_bytes = std::move(extras_->login_connect);
    extras_->login_connect.clear();
    if (r.code != ReasonCode::Success) return refuse_login(r.code, r.reason);
    try {
        // Decode the kept CONNECT again (it was valid the first time) and go on as after a login.
        const auto header = mqtt::parse_fixed_header(connect_bytes, mqtt::kMaxPacketSize);
        mqtt::Packet packet = mqtt::decode_packet(
            *header, std::string_view(connect_bytes).substr(header->header_size), version_);
        {
            Durability::Scope scope(broker_.durability());
            complete_connect(std::get<mqtt::Connect>(packet), std::move(r), std::nullopt);
        }
        resume_input();
    } catch (const std::bad_alloc&) {
        on_allocation_failure();
    }
}

// After a successful login, in order: the ACL identity, the will and keep alive checks, what the
// client accepts, the session, the CONNACK, then the connection is live.
void Connection::complete_connect(const mqtt::Connect& c, LoginResult login_result,
                                  const std::optional<std::string>& auth_data) {
    end_handshake();
    set_username(login_result.username.value_or(""));
    broker_.login_throttle().record_success(remote_ip());
    adopt_access(login_result);
    if (const auto refusal = check_will(c)) return refuse(refusal->first, refusal->second);
    const auto keepalive = negotiate_keepalive(c);
    if (!keepalive) return refuse(ReasonCode::ClientIdentifierNotValid, "keep alive above max_keepalive");
    adopt_client_limits(c);
    const auto opened = open_session(c);
    if (c.will) keep_will(*c.will);

    state_ = State::Connected;
    decoder_.set_version(version_);
    send(make_connack(opened.present, *keepalive, auth_data));
    keepalive_limit_ =
        std::chrono::milliseconds(keepalive->value * 1500);  // 1.5 x keep alive (spec 3.1.2.10)
    arm_keepalive();
    if (login_result.token_expiry) end_login_at(*login_result.token_expiry);
    Stats::add(broker_.stats().clients_connected);
    if (broker_.limits().connection_messages) {
        spdlog::info("New client connected from {} as {} (p{}, c{}, k{}{}).", remote_, loggable(client_id()),
                     static_cast<int>(version_), c.clean_start ? 1 : 0, keepalive->value,
                     username().empty() ? "" : ", u'" + loggable(username()) + "'");
    }
    session_->attach(shared_from_this(), c.properties.receive_maximum.value_or(65535), opened.present,
                     access_);
    if (session_->persistent() || session_->stored()) {
        session_->persist_meta();
        // The will goes to the store with the session: if the broker dies while this client is
        // connected, its connection has ended without DISCONNECT and the will is published after the
        // restart. Without a will, this also cancels one left by the session's previous connection.
        session_->persist_will(will());
    }
}

void Connection::adopt_access(LoginResult& login_result) {
    auto policy = listener_.security.get();
    if (policy->acl || login_result.token_pub || login_result.token_sub) {
        auto access = std::make_shared<ClientAccess>(listener_.security, login_result.username, client_id(),
                                                     listener_.name);
        access->restrict_by_token(std::move(login_result.token_pub), std::move(login_result.token_sub));
        access_ = std::move(access);
    }
}

std::optional<std::pair<ReasonCode, const char*>> Connection::check_will(const mqtt::Connect& c) const {
    if (!c.will) return std::nullopt;
    const BrokerLimits& limits = broker_.limits();
    if (c.will->retain && !limits.retain_available) {
        return std::pair{ReasonCode::RetainNotSupported, "will retain while retain is not available"};
    }
    if (c.will->qos > listener_.max_qos)
        return std::pair{ReasonCode::QoSNotSupported, "will QoS above max_qos"};
    if (topic_levels(c.will->topic) > limits.max_topic_levels ||
        c.will->topic.size() > limits.max_topic_length) {
        return std::pair{ReasonCode::TopicNameInvalid, "will topic too long or too deep"};
    }
    return std::nullopt;
}

// Keep alive (spec 3.1.2.10): v5 clients are told a lower value; 3.x clients are refused (nothing
// returned) as Mosquitto does, since they cannot be told.
std::optional<Connection::KeepAlive> Connection::negotiate_keepalive(const mqtt::Connect& c) const {
    const std::uint16_t max = broker_.limits().max_keepalive;
    if (max == 65535 || (c.keep_alive <= max && c.keep_alive != 0)) return KeepAlive{c.keep_alive, false};
    if (!mqtt::is_v5(version_)) return std::nullopt;
    return KeepAlive{max, true};
}

void Connection::adopt_client_limits(const mqtt::Connect& c) {
    // A client may announce more than MQTT can encode: kMaxPacketSize stays the ceiling, so that a
    // delivery grown past it by added properties is dropped (send_publish), never written.
    if (c.properties.maximum_packet_size)
        client_max_packet_size_ = std::min(*c.properties.maximum_packet_size, mqtt::kMaxPacketSize);
    client_topic_alias_max_ = c.properties.topic_alias_maximum.value_or(0);
    request_problem_info_ = c.properties.request_problem_information.value_or(1) != 0;
}

SessionRegistry::Opened Connection::open_session(const mqtt::Connect& c) {
    const BrokerLimits& limits = broker_.limits();
    // Session expiry (spec 3.1.2.11.2); 3.x: clean session = 0 means a session that never expires,
    // unless persistent_client_expiration says otherwise.
    std::uint32_t expiry = 0;
    if (mqtt::is_v5(version_)) {
        expiry = c.properties.session_expiry_interval.value_or(0);
    } else if (!c.clean_start) {
        expiry = limits.persistent_client_expiration.value_or(0xFFFFFFFF);
    }
    connect_expiry_ = expiry;

    SessionLimits session_limits;
    session_limits.max_inflight = limits.max_inflight_messages;
    session_limits.max_queued = limits.max_queued_messages;
    session_limits.max_queued_bytes = limits.max_queued_bytes;
    session_limits.max_inflight_bytes = limits.max_inflight_bytes;
    session_limits.queue_qos0 = limits.queue_qos0_messages;
    auto opened = broker_.sessions().open(client_id(), c.clean_start, session_limits);
    if (opened.previous) opened.previous->kick(ReasonCode::SessionTakenOver);
    if (opened.discarded) broker_.end_session(opened.discarded);
    session_ = opened.session;
    // From now on the session's copy of the client id is the one.
    extras_->client_id = std::string();
    if (extras_->unused()) extras_.reset();
    session_->set_expiry_interval(expiry);
    return opened;
}

void Connection::keep_will(const mqtt::Will& w) {
    mqtt::Publish wp;
    std::string mounted;  // Mosquitto puts the mount point before the will's topic too
    if (!listener_.mount_point.empty()) mounted = mounted_topic(listener_.mount_point, w.topic);
    wp.topic = mounted.empty() ? w.topic : std::string_view(mounted);
    wp.payload = w.payload;
    wp.qos = w.qos;
    wp.retain = w.retain;
    wp.properties = w.properties;
    auto will_msg = std::make_shared<Message>(wp, std::nullopt);
    if (wp.retain && broker_.router().check_retain_source()) will_msg->source = publisher_identity();
    extras().will = std::make_unique<StoredWill>(StoredWill{std::move(will_msg),
                                                            w.properties.message_expiry_interval,
                                                            w.properties.will_delay_interval.value_or(0),
                                                            {},
                                                            access_});
}

mqtt::Connack Connection::make_connack(bool session_present, KeepAlive keepalive,
                                       const std::optional<std::string>& auth_data) {
    const BrokerLimits& limits = broker_.limits();
    mqtt::Connack ack;
    ack.session_present = session_present;
    if (!mqtt::is_v5(version_)) return ack;
    auto& p = ack.properties;
    if (limits.max_inflight_messages != 0 && limits.max_inflight_messages != 65535) {
        p.receive_maximum = limits.max_inflight_messages;
    }
    if (listener_.max_qos != mqtt::QoS::ExactlyOnce)
        p.maximum_qos = static_cast<std::uint8_t>(listener_.max_qos);
    if (!limits.retain_available) p.retain_available = 0;
    if (limits.max_packet_size < mqtt::kMaxPacketSize) p.maximum_packet_size = limits.max_packet_size;
    if (assigned_client_id_) p.assigned_client_identifier = client_id();
    if (auth_data && auth()) {
        p.authentication_method = auth()->method;
        p.authentication_data = *auth_data;
    }
    p.topic_alias_maximum = listener_.max_topic_alias;
    if (keepalive.lowered) p.server_keep_alive = keepalive.value;
    p.wildcard_subscription_available = 1;
    p.subscription_identifier_available = 1;
    p.shared_subscription_available = 1;
    return ack;
}

// ---------------------------------------------------------------- PUBLISH and its acknowledgements

void Connection::on_publish(mqtt::Publish& p) {
    const BrokerLimits& limits = broker_.limits();
    const bool v5 = mqtt::is_v5(version_);
    Stats::add(broker_.stats().publish_received);
    Stats::add(broker_.stats().publish_received_qos[static_cast<std::size_t>(p.qos) % 3]);

    if (!p.properties.subscription_identifiers.empty()) {
        return fail(ReasonCode::ProtocolError, "PUBLISH from a client with a subscription identifier");
    }
    if (p.properties.topic_alias) {  // spec 3.3.2.3.4
        const std::uint16_t alias = *p.properties.topic_alias;
        if (alias > listener_.max_topic_alias)
            return fail(ReasonCode::TopicAliasInvalid, "topic alias above maximum");
        auto& aliases = extras().inbound_aliases;
        if (aliases.size() < listener_.max_topic_alias) aliases.resize(listener_.max_topic_alias);
        std::string& slot = aliases[alias - 1];
        if (p.topic.empty()) {
            if (slot.empty()) return fail(ReasonCode::ProtocolError, "unknown topic alias");
            p.topic = slot;
        } else {
            slot.assign(p.topic);
        }
        p.properties.topic_alias.reset();
    }
    std::string mounted;  // the topic under the listener's mount point (empty: none, nothing done)
    if (!listener_.mount_point.empty()) {
        mounted = mounted_topic(listener_.mount_point, p.topic);
        p.topic = mounted;
    }
    if (p.qos > listener_.max_qos) return fail(ReasonCode::QoSNotSupported, "PUBLISH QoS above max_qos");
    if (p.retain && !limits.retain_available)
        return fail(ReasonCode::RetainNotSupported, "retain not available");
    if (topic_levels(p.topic) > limits.max_topic_levels || p.topic.size() > limits.max_topic_length) {
        return fail(ReasonCode::TopicNameInvalid, "topic too long or too deep");
    }

    // Reasons to acknowledge and drop rather than route.
    ReasonCode refusal = ReasonCode::Success;
    const bool over_memory = broker_.over_memory_limit();
    if (over_memory) {
        // memory_limit (Broker::check_memory logged it): as Mosquitto, whose failed allocation
        // disconnects the publisher, a 3.x client is closed before its QoS 1/2 message is
        // acknowledged (it sends it again once connected); v5 gets Quota exceeded; QoS 0 is dropped.
        Stats::add(broker_.stats().publish_dropped);
        if (!v5 && p.qos != mqtt::QoS::AtMostOnce) {
            spdlog::warn("Closing {}: PUBLISH on '{}' refused, the broker is over memory_limit.", describe(),
                         loggable(p.topic));
            return close_now();
        }
        refusal = ReasonCode::QuotaExceeded;
    } else if (limits.message_size_limit != 0 && p.payload.size() > limits.message_size_limit) {
        refusal = ReasonCode::QuotaExceeded;
    } else if ((p.topic.starts_with("$SYS") && !(extras_ && extras_->bridge)) ||
               (access_ && !access_->can_publish(p.topic))) {
        // $SYS belongs to the broker (and to bridges, as in Mosquitto: their state notifications);
        // the ACL said no
        refusal = ReasonCode::NotAuthorized;
    } else if (p.properties.payload_format_indicator.value_or(0) == 1 &&
               !mqtt::is_valid_mqtt_utf8(p.payload)) {
        refusal = ReasonCode::PayloadFormatInvalid;
    }

    if (p.qos == mqtt::QoS::ExactlyOnce) {
        if (!session_->begin_incoming_qos2(p.packet_id)) {
            // A re-sent PUBLISH whose PUBREL has not arrived: acknowledge, never route twice.
            send(mqtt::Pubrec{p.packet_id, ReasonCode::Success, {}});
            return;
        }
        // Only an MQTT 5 client was told a Receive Maximum (CONNACK); MQTT 3.x has none, so a 3.x
        // client's window is bounded by the packet-id space alone and it is served, never dropped.
        if (v5 && session_->incoming_qos2_count() > limits.max_inflight_messages &&
            limits.max_inflight_messages != 0) {
            return fail(ReasonCode::ReceiveMaximumExceeded,
                        "more QoS 2 messages in flight than the Receive Maximum announced in CONNACK");
        }
    }

    std::size_t delivered = 0;
    if (refusal == ReasonCode::Success) {
        auto msg = std::make_shared<Message>(p, expiry_of(p.properties));
        if (p.retain && broker_.router().check_retain_source()) msg->source = publisher_identity();
        delivered = broker_.router().publish(session_.get(), msg, limits.retain_available);
    } else if (refusal != ReasonCode::NotAuthorized && !over_memory) {
        spdlog::warn("Dropping PUBLISH from {} on '{}': {}.", describe(), p.topic, mqtt::to_string(refusal));
    }
    ReasonCode rc = refusal;
    if (rc == ReasonCode::Success && delivered == 0) rc = ReasonCode::NoMatchingSubscribers;
    if (!v5) rc = ReasonCode::Success;
    if (p.qos == mqtt::QoS::AtLeastOnce) {
        send(mqtt::Puback{p.packet_id, rc, {}});
    } else if (p.qos == mqtt::QoS::ExactlyOnce) {
        if (mqtt::is_error(rc)) session_->release_incoming_qos2(p.packet_id);  // the exchange ends here
        send(mqtt::Pubrec{p.packet_id, rc, {}});
    }
}

void Connection::on_puback(const mqtt::Puback& p) {
    session_->on_puback(p.packet_id);
}

void Connection::on_pubrec(const mqtt::Pubrec& p) {
    if (!session_->on_pubrec(p.packet_id, mqtt::is_error(p.reason))) {
        if (mqtt::is_v5(version_) && !mqtt::is_error(p.reason)) {
            send(mqtt::Pubrel{p.packet_id, ReasonCode::PacketIdentifierNotFound, {}});
        }
    }
}

void Connection::on_pubrel(const mqtt::Pubrel& p) {
    const bool known = session_->release_incoming_qos2(p.packet_id);
    ReasonCode rc =
        known || !mqtt::is_v5(version_) ? ReasonCode::Success : ReasonCode::PacketIdentifierNotFound;
    send(mqtt::Pubcomp{p.packet_id, rc, {}});
}

void Connection::on_pubcomp(const mqtt::Pubcomp& p) {
    session_->on_pubcomp(p.packet_id);
}

// ---------------------------------------------------------------- SUBSCRIBE / UNSUBSCRIBE

void Connection::on_subscribe(const mqtt::Subscribe& s) {
    const BrokerLimits& limits = broker_.limits();
    const std::uint32_t id =
        s.properties.subscription_identifiers.empty() ? 0 : s.properties.subscription_identifiers.front();
    mqtt::Suback ack;
    ack.packet_id = s.packet_id;
    struct Accepted {
        std::string_view filter;
        SubscriptionRecord record;
        bool is_new;
    };
    std::vector<Accepted> accepted;
    // The filters under the listener's mount point (reserved up front: `accepted` views them).
    std::vector<std::string> mounted;
    if (!listener_.mount_point.empty()) mounted.reserve(s.topics.size());
    for (const auto& t : s.topics) {
        std::string_view filter = t.filter;
        if (!listener_.mount_point.empty())
            filter = mounted.emplace_back(mounted_filter(listener_.mount_point, filter));
        if (topic_levels(filter) > limits.max_topic_levels || filter.size() > limits.max_topic_length) {
            ack.reasons.push_back(ReasonCode::TopicFilterInvalid);
            continue;
        }
        if (access_ && !access_->can_subscribe(filter)) {
            spdlog::info("Client {} not authorised to subscribe to '{}'.", describe(), filter);
            ack.reasons.push_back(ReasonCode::NotAuthorized);
            continue;
        }
        SubscriptionRecord record{t.options, id};
        if (extras_ && extras_->bridge) {
            record.options.no_local = true;
            record.options.retain_as_published = true;
        }
        if (record.options.qos > listener_.max_qos) record.options.qos = listener_.max_qos;
        const bool is_new = session_->add_subscription(filter, record);
        broker_.router().subscribe(session_, filter, record);
        ack.reasons.push_back(static_cast<ReasonCode>(record.options.qos));
        accepted.push_back({filter, record, is_new});
    }
    send(ack);
    // Retained messages follow the SUBACK (spec 3.3.1.3, Retain Handling 3.8.3.1).
    for (const auto& a : accepted) {
        const auto rh = a.record.options.retain_handling;
        if (rh == 0 || (rh == 1 && a.is_new)) broker_.router().send_retained(session_, a.filter, a.record);
    }
}

void Connection::on_unsubscribe(const mqtt::Unsubscribe& u) {
    mqtt::Unsuback ack;
    ack.packet_id = u.packet_id;
    for (auto f : u.filters) {
        std::string mounted;
        if (!listener_.mount_point.empty()) f = mounted = mounted_filter(listener_.mount_point, f);
        session_->remove_subscription(f);
        const bool removed = broker_.router().unsubscribe(session_, f);
        if (mqtt::is_v5(version_))
            ack.reasons.push_back(removed ? ReasonCode::Success : ReasonCode::NoSubscriptionExisted);
    }
    send(ack);
}

// ---------------------------------------------------------------- DISCONNECT / AUTH

void Connection::on_disconnect(const mqtt::Disconnect& d) {
    if (d.properties.session_expiry_interval) {
        // A session that was to end at close may not be made persistent at DISCONNECT (3.14.2.2.2).
        if (connect_expiry_ == 0 && *d.properties.session_expiry_interval != 0) {
            return fail(ReasonCode::ProtocolError, "session expiry set at DISCONNECT after 0 at CONNECT");
        }
        session_->set_expiry_interval(*d.properties.session_expiry_interval);
    }
    will_on_close_ = d.reason == ReasonCode::DisconnectWithWillMessage;
    if (broker_.limits().connection_messages) {
        spdlog::info("Client {} disconnected{}.", describe(),
                     d.reason == ReasonCode::Success
                         ? ""
                         : std::string(" (") + std::string(mqtt::to_string(d.reason)) + ")");
    }
    close_now();
}

// ---------------------------------------------------------------- end of the connection

void Connection::on_closed() {
    Durability::Scope scope(broker_.durability());
    worker_.remove(this);
    end_handshake();
    listener_.connections.fetch_sub(1, std::memory_order_relaxed);
    if (!session_) return;
    const bool was_attached = session_->detach(this);
    Stats::sub(broker_.stats().clients_connected);
    const bool session_ends = was_attached && session_->expiry_interval() == 0;
    bool will_pending = false;
    StoredWill* const will = this->will();
    if (will && will_on_close_) {
        if (will->delay == 0 || session_ends) {
            broker_.publish_will(*will, client_id());
        } else if (was_attached) {
            will->due = Clock::now() + std::chrono::seconds(will->delay);
            session_->set_pending_will(*will);
            will_pending = true;
            spdlog::info("Will of {} on '{}' is published in {} s unless the session resumes.",
                         loggable(client_id()), will->msg->topic(), will->delay);
        }
    }
    if (was_attached) broker_.router().redistribute_shared(session_, session_ends);
    if (session_ends) {
        broker_.end_session(session_);
    } else if (was_attached && (session_->persistent() || session_->stored())) {
        // In one batch: when it went offline (for its expiry after a restart) and the will that now
        // waits for its delay, or no will (published above, or a normal DISCONNECT).
        session_->persist_meta();
        session_->persist_will(will_pending ? will : nullptr);
    }
    if (extras_)
        extras_->will
            .reset();  // the session stays referenced: its client id names this connection in the log
}

}  // namespace tapmq::broker
