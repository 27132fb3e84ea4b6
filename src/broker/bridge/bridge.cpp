#include "bridge.hpp"

#include <spdlog/spdlog.h>

#include "broker/broker.hpp"
#include "broker/connection.hpp"
#include "broker/durability.hpp"
#include "broker/listener_settings.hpp"
#include "broker/tcp_transport.hpp"
#include "broker/worker.hpp"
#include "local_stream.hpp"

namespace tapmq::broker::bridge {

namespace {

using client::Error;
namespace ip = boost::asio::ip;

client::StreamFactory remote_stream_factory(const BridgeConfig& c) {
    client::TransportOptions t;
    if (c.tls()) {
        t.kind = client::Transport::Tls;
        t.tls.ca_file = c.cafile;
        t.tls.ca_path = c.capath;
        t.tls.cert_file = c.certfile;
        t.tls.key_file = c.keyfile;
        t.tls.verify_hostname = !c.insecure;
        t.tls.min_version = c.tls_version;
        t.tls.alpn = c.alpn;
    }
    try {
        return client::make_stream_factory(t);
    } catch (const std::exception& e) {
        throw std::runtime_error(c.file + ":" + std::to_string(c.line) + ": bridge '" + c.name +
                                 "': " + e.what());
    }
}

client::BackoffOptions backoff_of(const BridgeConfig& c) {
    client::BackoffOptions b;
    b.base = std::chrono::seconds(c.restart_base);
    if (c.restart_cap == 0) {  // one value: a constant delay, as Mosquitto
        b.cap = b.base;
        b.jitter = 0.0;
    } else {
        b.cap = std::chrono::seconds(c.restart_cap);
        b.jitter = 0.5;
    }
    return b;
}

// "[::1]" -> "::1" (the address directive keeps the brackets of an IPv6 literal with a port).
std::string host_of(const BridgeAddress& a) {
    if (a.host.size() > 2 && a.host.front() == '[' && a.host.back() == ']')
        return a.host.substr(1, a.host.size() - 2);
    return a.host;
}

// A connected pair of loopback TCP sockets: `server` on the worker's context (for the broker),
// `client` for the bridge's local client. The acceptor lives only for this call; the accepted peer
// must be our own client socket.
bool loopback_pair(boost::asio::io_context& io, TcpSocket& server, ip::tcp::socket& client,
                   std::string& error) {
    boost::system::error_code ec;
    ip::tcp::acceptor acceptor(io);
    const ip::tcp::endpoint any(ip::address_v4::loopback(), 0);
    acceptor.open(any.protocol(), ec);
    if (!ec) acceptor.bind(any, ec);
    if (!ec) acceptor.listen(1, ec);
    if (!ec) client.connect(acceptor.local_endpoint(), ec);
    for (int tries = 0; !ec && tries < 8; ++tries) {
        TcpSocket s(io.get_executor());
        acceptor.accept(s, ec);
        if (ec) break;
        boost::system::error_code e1, e2;
        if (s.remote_endpoint(e1) == client.local_endpoint(e2) && !e1 && !e2) {
            server = std::move(s);
            return true;
        }
    }
    error = ec ? ec.message() : "another process connected to the bridge's loopback socket";
    return false;
}

}  // namespace

Bridge::Bridge(Broker& broker, Worker& worker, const ListenerSettings& local_listener, BridgeConfig config)
    : broker_(broker),
      worker_(worker),
      local_listener_(local_listener),
      config_(std::move(config)),
      map_(config_.topics),
      remote_streams_(remote_stream_factory(config_)),
      backoff_(backoff_of(config_)),
      timer_(worker.context()),
      probe_timer_(worker.context()),
      lazy_timer_(worker.context()) {}

void Bridge::start() {
    boost::asio::post(worker_.context(), [self = shared_from_this()] {
        self->publish_local_state(false);
        self->attempt();
    });
}

void Bridge::stop() {
    boost::asio::post(worker_.context(), [self = shared_from_this()] {
        self->stopped_ = true;
        self->timer_.cancel();
        self->probe_timer_.cancel();
        self->lazy_timer_.cancel();
        self->close_clients();
        self->set_state(false);
    });
}

void Bridge::close_clients() {
    ++generation_;
    probe_timer_.cancel();
    if (probe_) {
        boost::system::error_code ec;
        probe_->close(ec);
        probe_.reset();
    }
    running_ = false;
    waiting_.clear();
    counters_.waiting.store(0, std::memory_order_relaxed);
    for (auto* c : {&remote_, &local_}) {
        if (auto client = std::move(*c)) {
            client->on_close(nullptr);
            client->on_message(nullptr);
            client->on_pubrel(nullptr);
            if (client->connected()) {
                client->disconnect();
            } else {
                client->close();
            }
        }
    }
}

void Bridge::attempt() {
    if (stopped_) return;
    close_clients();
    const std::uint64_t gen = generation_;
    auto& io = worker_.context();
    const BridgeAddress& a = config_.addresses[address_];
    remote_ = client::Client::create(io, remote_streams_(io));
    std::weak_ptr<Bridge> w = weak_from_this();
    remote_->on_message([w, gen](const mqtt::Publish& p) {
        if (auto self = w.lock(); self && self->generation_ == gen) self->on_publish(Side::Remote, p);
    });
    remote_->on_pubrel([w, gen](std::uint16_t id) {
        if (auto self = w.lock(); self && self->generation_ == gen) self->on_pubrel(Side::Remote, id);
    });
    remote_->on_close([w, gen](const Error& e) {
        if (auto self = w.lock(); self && self->generation_ == gen) self->lost(Side::Remote, e.message);
    });

    client::ConnectOptions o;
    o.host = host_of(a);
    o.port = a.port;
    o.version = static_cast<mqtt::ProtocolVersion>(config_.protocol_version);
    o.client_id = config_.remote_clientid;
    o.clean_start = config_.cleansession;
    o.keep_alive = config_.keepalive_interval;
    o.username = config_.remote_username;
    o.password = config_.remote_password;
    o.manual_acks = true;
    o.bridge = config_.try_private;
    if (config_.max_packet_size != 0) o.max_packet_size = config_.max_packet_size;
    if (mqtt::is_v5(o.version)) {
        // Nothing is lost only if the remote keeps the session between connections.
        o.properties.session_expiry_interval =
            config_.cleansession ? 0u : config_.session_expiry_interval.value_or(0xFFFFFFFFu);
        if (config_.receive_maximum != 0) o.properties.receive_maximum = config_.receive_maximum;
    }
    if (config_.notifications && !config_.notifications_local_only) {
        client::WillOptions will;
        will.topic = config_.notification_topic;
        will.payload = "0";
        will.qos = mqtt::QoS::AtLeastOnce;
        will.retain = true;
        o.will = std::move(will);
    }
    spdlog::info("Bridge {}: connecting to {}:{}.", config_.name, a.host, a.port);
    remote_->connect(o, [w, gen](const Error& e, const mqtt::Connack* c) {
        if (auto self = w.lock(); self && self->generation_ == gen) self->on_remote_connack(e, c);
    });
}

void Bridge::on_remote_connack(const Error& e, const mqtt::Connack* c) {
    if (e || !c) {
        const BridgeAddress& a = config_.addresses[address_];
        spdlog::warn("Bridge {}: connection to {}:{} failed: {}", config_.name, a.host, a.port, e.message);
        address_ = (address_ + 1) % config_.addresses.size();  // fail over to the next address
        schedule_retry();
        return;
    }
    connect_local();
}

void Bridge::connect_local() {
    auto& io = worker_.context();
    TcpSocket server(io.get_executor());
    ip::tcp::socket sock(io);
    std::string error;
    if (!loopback_pair(io, server, sock, error)) {
        lost(Side::Local, "cannot open the local connection: " + error);
        return;
    }
    // The broker's side, as an accepted connection of the bridge's internal listener.
    local_listener_.connections.fetch_add(1, std::memory_order_relaxed);
    local_listener_.accepted.fetch_add(1, std::memory_order_relaxed);
    Stats::add(broker_.stats().connections_accepted);
    broker_.pending_handshakes().fetch_add(1, std::memory_order_relaxed);
    auto conn = std::make_shared<Connection>(broker_, worker_, local_listener_,
                                             make_tcp_transport(std::move(server), worker_.poller()));
    conn->start();

    const std::uint64_t gen = generation_;
    local_ = client::Client::create(io, std::make_unique<LocalStream>(std::move(sock)));
    std::weak_ptr<Bridge> w = weak_from_this();
    local_->on_message([w, gen](const mqtt::Publish& p) {
        if (auto self = w.lock(); self && self->generation_ == gen) self->on_publish(Side::Local, p);
    });
    local_->on_pubrel([w, gen](std::uint16_t id) {
        if (auto self = w.lock(); self && self->generation_ == gen) self->on_pubrel(Side::Local, id);
    });
    local_->on_close([w, gen](const Error& e) {
        if (auto self = w.lock(); self && self->generation_ == gen) self->lost(Side::Local, e.message);
    });
    client::ConnectOptions o;
    o.host = "127.0.0.1";
    o.version = mqtt::ProtocolVersion::V5;
    o.client_id = config_.local_clientid;
    o.clean_start = config_.local_cleansession;
    o.keep_alive = 0;
    o.username = config_.local_username;
    o.password = config_.local_password;
    o.manual_acks = true;
    o.properties.session_expiry_interval = config_.local_cleansession ? 0u : 0xFFFFFFFFu;
    // The local broker sends no more at once than the remote takes.
    o.properties.receive_maximum = remote_->server().receive_maximum;
    local_->connect(o, [w, gen](const Error& e, const mqtt::Connack* c) {
        if (auto self = w.lock(); self && self->generation_ == gen) self->on_local_connack(e, c);
    });
}

void Bridge::on_local_connack(const Error& e, const mqtt::Connack* c) {
    if (e || !c) {
        lost(Side::Local, "the local broker refused the bridge: " + e.message);
        return;
    }
    local_session_present_ = c->session_present;
    running_ = true;
    backoff_.reset();
    subscribe_both();
    pump();
}

void Bridge::on_subscribed() {
    if (--subacks_pending_ > 0) return;
    counters_.connects.fetch_add(1, std::memory_order_relaxed);
    const BridgeAddress& a = config_.addresses[address_];
    spdlog::info("Bridge {} connected to {}:{} (remote session {}, local session {}).", config_.name, a.host,
                 a.port, remote_->server().session_present ? "resumed" : "new",
                 local_session_present_ ? "resumed" : "new");
    set_state(true);
    if (address_ != 0 && !config_.round_robin) probe_primary();
    if (config_.start_type == StartType::Lazy) {
        last_activity_ = std::chrono::steady_clock::now();
        lazy_tick();
    }
    if (config_.notifications && !config_.notifications_local_only) {
        remote_->publish(config_.notification_topic, "1", mqtt::QoS::AtMostOnce, true);
    }
    pump();
}

void Bridge::subscribe_both() {
    std::vector<mqtt::TopicSubscription> local, remote;
    std::vector<std::string_view> unsubscribe;
    const bool remote_v5 = mqtt::is_v5(remote_->version());
    for (const auto& t : config_.topics) {
        const auto qos = static_cast<mqtt::QoS>(t.qos);
        if (t.out()) {
            // No Local: what the bridge publishes here never comes back to it. Retain As Published:
            // the retain flag travels (bridge_outgoing_retain). Retain Handling 1: retained
            // messages only for a new subscription, not again at every reconnection.
            local.push_back({t.local_topic, mqtt::SubscriptionOptions{qos, true, true, 1}});
        }
        if (t.in()) {
            mqtt::SubscriptionOptions so{qos};
            if (remote_v5) {
                so.no_local = true;
                so.retain_as_published = true;
            }
            remote.push_back({t.remote_topic, so});
        } else if (config_.attempt_unsubscribe) {
            unsubscribe.push_back(t.remote_topic);
        }
    }
    std::weak_ptr<Bridge> w = weak_from_this();
    const std::uint64_t gen = generation_;
    subacks_pending_ = (local.empty() ? 0 : 1) + (remote.empty() ? 0 : 1) + 1;
    const auto check = [w, gen, name = config_.name](const char* where) {
        return [w, gen, name, where](const Error& e, const mqtt::Suback* ack) {
            if (!ack) return;  // the connection ended
            for (auto rc : ack->reasons) {
                if (mqtt::is_error(rc))
                    spdlog::warn("Bridge {}: the {} broker refused a subscription: {}.", name, where,
                                 mqtt::to_string(rc));
            }
            (void)e;
            auto self = w.lock();
            if (!self || self->generation_ != gen) return;
            self->pump();  // an identifier a SUBSCRIBE held is free again
            self->on_subscribed();
        };
    };
    if (!local.empty()) local_->subscribe(local, check("local"));
    if (!remote.empty()) remote_->subscribe(remote, check("remote"));
    if (!unsubscribe.empty()) {
        remote_->unsubscribe(unsubscribe, [w](const Error&, const mqtt::Unsuback*) {
            if (auto self = w.lock()) self->pump();
        });
    }
    on_subscribed();  // the third count: nothing to wait for when a side has no subscription
}

void Bridge::lost(Side s, const std::string& why) {
    if (stopped_) return;
    spdlog::warn("Bridge {}: {} connection lost: {}", config_.name, s == Side::Remote ? "remote" : "local",
                 why);
    // Both sides start again: each broker re-sends what the other did not acknowledge.
    close_clients();
    set_state(false);
    schedule_retry();
}

void Bridge::probe_primary() {
    probe_timer_.expires_after(std::chrono::seconds(std::max<std::uint32_t>(config_.restart_base, 1)));
    std::weak_ptr<Bridge> w = weak_from_this();
    const std::uint64_t gen = generation_;
    probe_timer_.async_wait([w, gen](const boost::system::error_code& ec) {
        auto self = w.lock();
        if (ec || !self || self->generation_ != gen || self->stopped_) return;
        auto& io = self->worker_.context();
        const BridgeAddress& primary = self->config_.addresses.front();
        boost::system::error_code bad;
        const auto address = ip::make_address(host_of(primary), bad);
        if (bad) {  // a host name: resolved by the connection attempt itself, so no probe here
            self->probe_primary();
            return;
        }
        self->probe_ = std::make_shared<ip::tcp::socket>(io);
        self->probe_->async_connect(ip::tcp::endpoint(address, primary.port),
                                    [w, gen, probe = self->probe_](const boost::system::error_code& e) {
                                        auto me = w.lock();
                                        if (!me || me->generation_ != gen || me->stopped_) return;
                                        boost::system::error_code ignored;
                                        probe->close(ignored);
                                        if (e) {
                                            me->probe_primary();
                                            return;
                                        }
                                        spdlog::info(
                                            "Bridge {}: the primary address answers again; going back to it.",
                                            me->config_.name);
                                        me->address_ = 0;
                                        me->close_clients();
                                        me->set_state(false);
                                        me->attempt();
                                    });
    });
}

void Bridge::lazy_tick() {
    lazy_timer_.expires_after(std::chrono::seconds(1));
    std::weak_ptr<Bridge> w = weak_from_this();
    lazy_timer_.async_wait([w](const boost::system::error_code& ec) {
        auto self = w.lock();
        if (ec || !self || self->stopped_) return;
        if (self->idle_) {
            const auto s = self->broker_.sessions().find(self->config_.local_clientid);
            if (s && s->backlog() >= self->config_.threshold) {
                spdlog::info("Bridge {}: {} messages waiting, connecting (start_type lazy).",
                             self->config_.name, s->backlog());
                self->idle_ = false;
                self->attempt();
                return;
            }
        } else if (self->running_ && std::chrono::steady_clock::now() - self->last_activity_ >=
                                         std::chrono::seconds(self->config_.idle_timeout)) {
            spdlog::info("Bridge {}: idle for {} s, disconnecting (start_type lazy).", self->config_.name,
                         self->config_.idle_timeout);
            self->close_clients();
            self->set_state(false);
            self->idle_ = true;
        } else if (!self->running_) {
            return;  // reconnecting: the next connection starts the ticks again
        }
        self->lazy_tick();
    });
}

void Bridge::schedule_retry() {
    if (stopped_) return;
    close_clients();
    if (config_.start_type == StartType::Once) {
        spdlog::warn("Bridge {}: not restarted (start_type once).", config_.name);
        return;
    }
    const auto delay = backoff_.next();
    spdlog::info("Bridge {}: next attempt in {} ms.", config_.name, delay.count());
    timer_.expires_after(delay);
    std::weak_ptr<Bridge> w = weak_from_this();
    timer_.async_wait([w](const boost::system::error_code& ec) {
        if (ec) return;
        if (auto self = w.lock(); self && !self->stopped_) self->attempt();
    });
}

void Bridge::on_publish(Side from, const mqtt::Publish& p) {
    const Side to = other(from);
    Relay r;
    r.to = to;
    r.qos = p.qos;
    r.id = p.packet_id;
    r.dup = p.dup;
    r.topic = to == Side::Remote ? map_.to_remote(p.topic) : map_.to_local(p.topic);
    r.retain = to == Side::Remote && !config_.outgoing_retain ? false : p.retain;
    r.payload = std::string(p.payload);
    const auto& pr = p.properties;
    r.payload_format = pr.payload_format_indicator;
    r.expiry = pr.message_expiry_interval;
    if (pr.content_type) r.content_type = std::string(*pr.content_type);
    if (pr.response_topic) r.response_topic = std::string(*pr.response_topic);
    if (pr.correlation_data) r.correlation_data = std::string(*pr.correlation_data);
    for (const auto& u : pr.user_properties)
        r.user_properties.emplace_back(std::string(u.key), std::string(u.value));
    last_activity_ = std::chrono::steady_clock::now();
    auto& count = to == Side::Remote ? counters_.messages_out : counters_.messages_in;
    auto& bytes = to == Side::Remote ? counters_.bytes_out : counters_.bytes_in;
    count.fetch_add(1, std::memory_order_relaxed);
    bytes.fetch_add(p.payload.size(), std::memory_order_relaxed);
    // Also while the other side is still connecting (the remote re-sends what it has in flight as
    // soon as it accepts the bridge, before the local connection is up): it waits here.
    waiting_.push_back(std::move(r));
    pump();
}

void Bridge::on_pubrel(Side from, std::uint16_t id) {
    Relay r;
    r.to = other(from);
    r.pubrel = true;
    r.id = id;
    r.qos = mqtt::QoS::ExactlyOnce;
    waiting_.push_back(std::move(r));
    pump();
}

void Bridge::pump() {
    if (running_) {
        const std::uint64_t gen = generation_;
        std::deque<Relay> todo;
        todo.swap(waiting_);
        std::deque<Relay> kept;
        for (auto& r : todo) {
            if (generation_ != gen) return;  // the connection ended meanwhile: all of it comes again
            if (send(r) == Sent::Wait) kept.push_back(std::move(r));
        }
        // What arrived while sending goes after what was already waiting.
        for (auto& r : waiting_)
            kept.push_back(std::move(r));
        waiting_.swap(kept);
    }
    counters_.waiting.store(static_cast<std::uint32_t>(waiting_.size()), std::memory_order_relaxed);
}

Bridge::Sent Bridge::send(Relay& r) {
    client::Client* to = side(r.to);
    client::Client* from = side(other(r.to));
    if (!to || !from || !to->connected()) return Sent::Wait;
    std::weak_ptr<Bridge> w = weak_from_this();
    const std::uint64_t gen = generation_;
    const Side back = other(r.to);
    const std::uint16_t id = r.id;
    if (r.pubrel) {
        if (!to->can_send_with_id(id)) return Sent::Wait;
        to->resend_pubrel(id, [w, gen, back, id](const Error& e) {
            auto self = w.lock();
            if (!self || self->generation_ != gen) return;
            if (!e.ok() && e.kind != Error::Kind::Refused) return;  // the connection ended
            // Success even when the other side did not know the identifier any more (it had
            // completed the exchange, or took the message at QoS 1): the source may forget it.
            if (auto* c = self->side(back)) c->complete_incoming(id);
        });
        return Sent::Yes;
    }
    if (r.qos == mqtt::QoS::AtMostOnce) {
        to->publish(r.topic, r.payload, r.qos, r.retain && to->server().retain_available);
        return Sent::Yes;
    }
    if (!to->can_send_with_id(id)) return Sent::Wait;
    // What the other broker does not take is adapted as a broker would: QoS down to its maximum,
    // retain off where it has none.
    const auto max_qos = to->server().maximum_qos;
    const auto qos = static_cast<unsigned>(r.qos) > static_cast<unsigned>(max_qos) ? max_qos : r.qos;
    mqtt::Properties props;
    props.payload_format_indicator = r.payload_format;
    props.message_expiry_interval = r.expiry;
    props.content_type = r.content_type;
    props.response_topic = r.response_topic;
    props.correlation_data = r.correlation_data;
    for (const auto& [k, v] : r.user_properties)
        props.user_properties.push_back({k, v});
    const auto source_qos = r.qos;
    const auto sent_at = std::chrono::steady_clock::now();
    const bool remote = r.to == Side::Remote;
    auto done = [w, gen, back, id, source_qos, sent_at, remote](const Error& e) {
        auto self = w.lock();
        if (!self || self->generation_ != gen) return;
        if (!e.ok() && e.kind != Error::Kind::Refused) return;  // the connection ended: re-sent later
        if (remote) {
            const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - sent_at);
            self->counters_.rtt_us.store(static_cast<std::uint64_t>(us.count()), std::memory_order_relaxed);
        }
        if (!e.ok()) self->counters_.dropped.fetch_add(1, std::memory_order_relaxed);
        if (auto* c = self->side(back))
            c->acknowledge(id, source_qos, e.ok() ? mqtt::ReasonCode::Success : e.reason);
    };
    if (qos == mqtt::QoS::AtMostOnce) {  // a broker that takes QoS 0 only: delivered as QoS 0
        to->publish(r.topic, r.payload, qos, r.retain && to->server().retain_available, {}, &props);
        from->acknowledge(id, source_qos);
        return Sent::Yes;
    }
    if (!to->publish_with_id(id, r.dup, r.topic, r.payload, qos, r.retain && to->server().retain_available,
                             done, &props)) {
        // Too large for the other broker, or not a topic name there: dropped, and acknowledged so
        // that it does not come back.
        spdlog::warn(
            "Bridge {}: a message on '{}' was dropped: the {} broker does not accept it (larger "
            "than its maximum packet size?).",
            config_.name, r.topic, remote ? "remote" : "local");
        counters_.dropped.fetch_add(1, std::memory_order_relaxed);
        from->acknowledge(id, source_qos);
        return Sent::Dropped;
    }
    return Sent::Yes;
}

void Bridge::set_state(bool up) {
    const auto before = counters_.connected.exchange(up ? 1 : 0, std::memory_order_relaxed);
    if (before != (up ? 1u : 0u)) publish_local_state(up);
}

void Bridge::publish_local_state(bool up) {
    if (!config_.notifications) return;
    mqtt::Publish p;
    p.topic = config_.notification_topic;
    p.payload = up ? "1" : "0";
    p.retain = true;
    p.qos = mqtt::QoS::AtLeastOnce;
    Durability::Scope scope(broker_.durability());
    broker_.router().publish(nullptr, std::make_shared<Message>(p, std::nullopt));
}

}  // namespace tapmq::broker::bridge
