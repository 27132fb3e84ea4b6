#include "broker.hpp"
#include "process.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <thread>

#include "bridge/bridge.hpp"
#include "connection.hpp"
#include "durability.hpp"
#include "heap_usage.hpp"
#include "http/prometheus.hpp"
#include "http/service.hpp"
#include "listener.hpp"
#include "log_text.hpp"
#include "logging.hpp"
#include "metrics.hpp"
#include "recovery.hpp"
#include "sys_topics.hpp"
#include "version.hpp"

namespace tapmq::broker {

Broker::Broker(Config config, std::string config_file)
    : config_(std::move(config)), config_file_(std::move(config_file)) {
    apply_config(config_);
}

std::shared_ptr<http::HttpService> Broker::make_http_service(const ListenerConfig& lc) {
    http::HttpService::Settings s;
    s.dir = lc.http_dir;
    s.metrics = lc.http_metrics;
    for (const auto& text : lc.http_metrics_allow)
        if (auto c = http::parse_cidr(text)) s.allow.push_back(*c);  // checked by the parser
    try {
        return std::make_shared<http::HttpService>(
            std::move(s), [this] { return http::render_prometheus(take_metrics_snapshot(*this)); });
    } catch (const std::exception& e) {
        throw std::runtime_error(lc.file + ":" + std::to_string(lc.line) + ": listener " +
                                 std::to_string(lc.port) + ": " + e.what());
    }
}

Broker::~Broker() {
    set_log_publisher({});
    remove_pid_file(pid_file_);
    // Let the acceptors' aborted operations finish while the worker contexts they refer to exist.
    listeners_.clear();
    control_.restart();
    control_.poll();
    for (auto& w : workers_) {
        w->stop();
        w->join();
    }
    // The store's callbacks hold connections and bridges whose timers belong to the worker
    // contexts: they run or go now, while those contexts exist (the store outlives them).
    if (durability_) durability_->drain();
}

void Broker::apply_config(const Config& c) {
    auto owned = std::make_unique<BrokerLimits>();
    BrokerLimits& l = *owned;
    l.max_keepalive = c.max_keepalive;
    l.max_packet_size = c.max_packet_size == 0 ? mqtt::kMaxPacketSize : c.max_packet_size;
    l.message_size_limit = c.message_size_limit;
    l.max_inflight_messages = c.max_inflight_messages;
    l.max_queued_messages = c.max_queued_messages;
    router_.set_local_shared(c.shared_subscription_strategy == "local");
    l.max_queued_bytes = c.max_queued_bytes;
    l.max_inflight_bytes = c.max_inflight_bytes;
    l.queue_qos0_messages = c.queue_qos0_messages;
    l.max_retained_messages = c.max_retained_messages;
    l.max_retained_bytes = c.max_retained_bytes;
    router_.set_retained_limits(c.max_retained_messages, c.max_retained_bytes);
    l.retain_available = c.retain_available;
    l.clientid_prefixes = c.clientid_prefixes;
    l.connection_messages = c.connection_messages;
    router_.set_upgrade_outgoing_qos(c.upgrade_outgoing_qos);
    router_.set_check_retain_source(c.check_retain_source);
    memory_limit_.store(c.memory_limit, std::memory_order_relaxed);
    if (c.persistent_client_expiration) {
        l.persistent_client_expiration =
            static_cast<std::uint32_t>(std::min<std::uint64_t>(*c.persistent_client_expiration, 0xFFFFFFFEu));
    }
    l.client_write_buffer_limit = c.client_write_buffer_limit == 0 ? UINT64_MAX : c.client_write_buffer_limit;
    l.max_topic_levels = c.max_topic_levels == 0 ? UINT32_MAX : c.max_topic_levels;
    l.max_topic_length = c.max_topic_length;
    l.max_pending_handshakes = c.max_pending_handshakes;
    l.connect_timeout_seconds = c.connect_timeout;
    l.set_tcp_nodelay = c.set_tcp_nodelay;
    l.websockets_headers_size = c.websockets_headers_size;
    limits_.store(owned.get(), std::memory_order_release);
    limit_versions_.push_back(std::move(owned));
}

SessionLimits Broker::session_limits() const {
    const BrokerLimits& l = limits();
    SessionLimits s;
    s.max_inflight = l.max_inflight_messages;
    s.max_queued = l.max_queued_messages;
    s.max_queued_bytes = l.max_queued_bytes;
    s.max_inflight_bytes = l.max_inflight_bytes;
    s.queue_qos0 = l.queue_qos0_messages;
    return s;
}

void Broker::open_store() {
    persist::StoreOptions o;
    std::filesystem::path base = config_.persistence_location.empty() ? "." : config_.persistence_location;
    o.dir = base / "tapmqd.store";
    o.durability = config_.durability == "os" ? persist::Durability::Os : persist::Durability::Fsync;
    o.move_aside_if_corrupt = move_aside_corrupt_store_;
    o.on_failure = [](const std::string& what) {
        spdlog::critical("Store failure, acknowledgements stop until restart: {}", what);
    };
    auto store = persist::Store::open(o);  // throws StoreError naming the directory
    if (!store->recovery_note().empty()) spdlog::warn("{}", store->recovery_note());
    durability_ = std::make_unique<Durability>(std::move(store));
    sessions_.set_durability(durability_.get());
    router_.set_durability(durability_.get());
    const RecoveryReport r = recover(*this);
    spdlog::info(
        "Persistence in {} ({}): restored {} sessions, {} subscriptions, {} retained and {} queued "
        "messages and {} wills in {:.3f} s ({} expired while stopped).",
        o.dir.string(), config_.durability, r.sessions, r.subscriptions, r.retained, r.messages, r.wills,
        r.seconds, r.expired);
}

Worker& Broker::next_worker() {
    return *workers_[next_worker_.fetch_add(1, std::memory_order_relaxed) % workers_.size()];
}

void Broker::start() {
    // Before any socket opens: a signal that arrives from now on is queued for run(), never fatal.
    signals_.add(SIGTERM);
    signals_.add(SIGINT);
    signals_.add(SIGHUP);
    for (const auto& w : config_.warnings)
        spdlog::warn("{}", w);
    for (const auto& n : config_.notes)
        spdlog::info("{}", n);
    unsigned n = config_.worker_threads != 0 ? config_.worker_threads : std::thread::hardware_concurrency();
    if (n == 0) n = 1;
    for (unsigned i = 0; i < n; ++i)
        workers_.push_back(std::make_unique<Worker>(i));

    namespace ip = boost::asio::ip;
    for (const auto& lc : config_.listeners) {
        auto& settings = listener_settings_.emplace_back();
        settings.config_index = static_cast<std::size_t>(&lc - config_.listeners.data());
        settings.name = lc.port == 0 ? "unix socket " + lc.unix_socket : "port " + std::to_string(lc.port);
        settings.port = lc.port;
        settings.address = lc.port == 0 ? lc.unix_socket : lc.bind_address;
        try {
            settings.security.set(SecurityPolicy::load(lc.security));
        } catch (const std::exception& e) {
            throw std::runtime_error(lc.file + ":" + std::to_string(lc.line) + ": listener " +
                                     std::to_string(lc.port) + ": " + e.what());
        }
        settings.max_connections = lc.max_connections;
        settings.use_identity_as_username = lc.use_identity_as_username;
        settings.use_subject_as_username = lc.use_subject_as_username;
        settings.max_qos = static_cast<mqtt::QoS>(lc.max_qos);
        settings.max_topic_alias = lc.max_topic_alias;
        settings.use_username_as_clientid = lc.use_username_as_clientid;
        settings.allow_zero_length_clientid = lc.security.allow_zero_length_clientid;
        settings.auto_id_prefix = lc.security.auto_id_prefix;
        settings.protocol = lc.protocol;
        settings.mount_point = lc.mount_point;
        settings.tls = lc.tls();
        if (lc.protocol == "websockets" && (!lc.http_dir.empty() || lc.http_metrics)) {
            settings.http = make_http_service(lc);
        }
        if (lc.port == 0) {  // listener 0 PATH
            spdlog::info("Opening unix listen socket on {}.", lc.unix_socket);
            listeners_.push_back(std::make_unique<Listener>(*this, control_, settings, lc, lc.unix_socket));
            continue;
        }
        std::vector<ip::tcp::endpoint> endpoints;
        if (lc.bind_address.empty()) {
            if (lc.socket_domain != "ipv6") endpoints.emplace_back(ip::address_v4::any(), lc.port);
            if (lc.socket_domain != "ipv4") endpoints.emplace_back(ip::address_v6::any(), lc.port);
        } else {
            endpoints.emplace_back(ip::make_address(lc.bind_address), lc.port);
        }
        for (const auto& ep : endpoints) {
            const char* family = ep.address().is_v4() ? "ipv4" : "ipv6";
            const char* kind = lc.protocol == "websockets"
                                   ? (lc.tls() ? " (websockets, TLS)" : " (websockets)")
                                   : (lc.tls() ? " (TLS)" : "");
            spdlog::info("Opening {} listen socket on port {}{}.", family, lc.port, kind);
            try {
                listeners_.push_back(std::make_unique<Listener>(*this, control_, settings, lc, ep));
            } catch (const boost::system::system_error& e) {
                // An IPv6 socket beside IPv4 is best effort (hosts without IPv6).
                if (ep.address().is_v6() && lc.bind_address.empty() && endpoints.size() > 1) {
                    spdlog::warn("Could not open ipv6 listen socket on port {}: {}.", lc.port,
                                 e.code().message());
                    continue;
                }
                throw std::runtime_error("cannot listen on " + ep.address().to_string() + ":" +
                                         std::to_string(lc.port) + ": " + e.code().message());
            }
        }
    }
    if (listeners_.empty()) throw std::runtime_error("no listener could be opened");
    // As Mosquitto: the pid file is written, then root privileges are dropped once the ports are
    // bound, before any other file is opened (the store must belong to that user).
    if (!config_.pid_file.empty()) {
        write_pid_file(config_.pid_file);
        pid_file_ = config_.pid_file;
    }
    if (!config_.user.empty()) {
        if (drop_privileges(config_.user)) {
            spdlog::info("Running as user {}.", config_.user);
        } else {
            spdlog::info("Not started as root: directive 'user {}' has no effect (as Mosquitto).",
                         config_.user);
        }
    }
    if (config_.persistence) open_store();
    for (auto& w : workers_)
        w->start();
    for (auto& l : listeners_)
        l->start();
    start_bridges();
    sys_ = std::make_unique<SysTopics>(*this);
    sys_->publish(Clock::now());
    schedule_housekeeping();
    schedule_memory_check();
    // log_dest topic: each line is published from the control thread (never from inside the
    // logging call, which may hold locks of whatever logged).
    set_log_publisher([this](std::string topic, std::string line) {
        boost::asio::post(control_, [this, topic = std::move(topic), line = std::move(line)] {
            if (!stopping_) publish_log_line(topic, line);
        });
    });
    spdlog::info("tapmqd version {} running with {} worker thread{}.", kVersion, workers_.size(),
                 workers_.size() == 1 ? "" : "s");
}

int Broker::run() {
    std::function<void(const boost::system::error_code&, int)> on_signal;
    on_signal = [this, &on_signal](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
            reload();
            signals_.async_wait(on_signal);
            return;
        }
        spdlog::info("tapmqd version {} terminating.", kVersion);
        shutdown();
    };
    signals_.async_wait(on_signal);
    control_.run();
    return exit_code_;
}

void Broker::start_bridges() {
    for (const auto& bc : config_.bridges)
        start_bridge(bc);
}

void Broker::reload_bridges(const Config& fresh) {
    std::vector<std::shared_ptr<bridge::Bridge>> kept;
    for (const auto& b : bridges()) {
        const auto& name = b->config().name;
        const auto it = std::find_if(fresh.bridges.begin(), fresh.bridges.end(),
                                     [&](const bridge::BridgeConfig& c) { return c.name == name; });
        if (it != fresh.bridges.end() && *it == b->config()) {
            kept.push_back(b);
            continue;
        }
        spdlog::info("Bridge {} {}.", name, it == fresh.bridges.end() ? "removed" : "changed: restarting it");
        b->stop();
    }
    {
        std::lock_guard lock(bridges_mutex_);
        bridges_ = kept;
    }
    for (const auto& bc : fresh.bridges) {
        const bool running =
            std::any_of(kept.begin(), kept.end(), [&](const auto& b) { return b->config().name == bc.name; });
        if (running) continue;
        try {
            start_bridge(bc);
        } catch (const std::exception& e) {
            spdlog::error("Bridge {} not started: {}", bc.name, e.what());
        }
    }
}

void Broker::start_bridge(const bridge::BridgeConfig& bc) {
    {
        auto& s = bridge_listeners_.emplace_back();
        s.name = "bridge " + bc.name;
        s.port = 0;
        s.address = "127.0.0.1";
        // The bridge's local connection: anonymous (its local_username is who the ACLs see), the
        // global ACL file, no password check (Mosquitto does not check local_password either).
        SecurityConfig sc;
        sc.allow_anonymous = true;
        sc.acl_file = config_.security.acl_file;
        sc.allow_zero_length_clientid = false;
        s.security.set(SecurityPolicy::load(sc));
        s.allow_zero_length_clientid = false;
        auto b = std::make_shared<bridge::Bridge>(*this, next_worker(), s, bc);
        b->start();
        std::lock_guard lock(bridges_mutex_);
        bridges_.push_back(std::move(b));
    }
}

void Broker::stop() {
    boost::asio::post(control_, [this] { shutdown(); });
}

void Broker::shutdown() {
    if (stopping_.exchange(true)) return;
    for (auto& l : listeners_)
        l->close();
    housekeeping_timer_.cancel();
    memory_timer_.cancel();
    signals_.cancel();
    // Bridges first (each on its worker, before that worker closes its connections).
    for (auto& b : bridges_)
        b->stop();
    // Every client gets DISCONNECT 0x8B (v5) and its pending output before the loops wind down.
    for (auto& w : workers_) {
        boost::asio::post(w->context(), [w = w.get()] { w->kick_all(mqtt::ReasonCode::ServerShuttingDown); });
        w->release();
    }
    for (auto& w : workers_)
        w->join();
    control_.stop();
}

void Broker::reload() {
    if (config_file_.empty()) {
        spdlog::info("SIGHUP: no configuration file to reload.");
        return;
    }
    spdlog::info("Reloading configuration from {}.", config_file_);
    Config fresh;
    try {
        fresh = load_config(config_file_);
    } catch (const ConfigError& e) {
        spdlog::error("Configuration not reloaded, the running one stays: {}", e.what());
        return;
    }
    for (const auto& w : fresh.warnings)
        spdlog::warn("{}", w);
    for (const auto& n : fresh.notes)
        spdlog::info("{}", n);
    // Connections stay up. Limits and per-listener security apply to what happens next; listener
    // sockets themselves (ports, addresses, protocols) need a restart.
    apply_config(fresh);
    auto settings = listener_settings_.begin();
    for (const auto& lc : fresh.listeners) {
        if (settings == listener_settings_.end()) break;
        if (settings->port != lc.port ||
            settings->address != (lc.port == 0 ? lc.unix_socket : lc.bind_address)) {
            spdlog::warn("Listener changes (port {}) take effect after a restart.", lc.port);
            break;
        }
        try {
            settings->security.set(SecurityPolicy::load(lc.security));
        } catch (const std::exception& e) {
            spdlog::error("Security files for {} not reloaded, the previous ones stay: {}", settings->name,
                          e.what());
        }
        settings->max_connections = lc.max_connections;
        ++settings;
    }
    // Clients that logged in without an ACL file are held to one the reload added (before the
    // log line below: what a client sends after it is judged by the new files).
    for (auto& w : workers_)
        boost::asio::post(w->context(), [w = w.get()] { w->policy_reloaded(); });
    for (auto& l : listeners_) {
        const std::size_t i = l->settings().config_index;
        if (i < fresh.listeners.size()) l->reload_tls(fresh.listeners[i]);
    }
    reload_bridges(fresh);
    spdlog::info("Configuration reloaded.");
    config_.sys_interval = fresh.sys_interval;
}

void Broker::schedule_housekeeping() {
    housekeeping_timer_.expires_after(std::chrono::seconds(1));
    housekeeping_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping_) return;
        housekeeping();
        schedule_housekeeping();
    });
}

void Broker::schedule_memory_check() {
    memory_timer_.expires_after(std::chrono::milliseconds(100));
    memory_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping_) return;
        check_memory();
        schedule_memory_check();
    });
}

void Broker::check_memory() {
    const std::uint64_t limit = memory_limit_.load(std::memory_order_relaxed);
    const bool was_over = over_memory_limit_.load(std::memory_order_relaxed);
    if (limit == 0) {
        if (was_over) over_memory_limit_.store(false, std::memory_order_relaxed);
        return;
    }
    const std::uint64_t used = heap_bytes_in_use();
    const bool over = used > limit;
    if (over == was_over) return;
    over_memory_limit_.store(over, std::memory_order_relaxed);
    if (over) {
        spdlog::warn(
            "Heap use {} bytes is over memory_limit {}: new PUBLISHes are refused until it is below.", used,
            limit);
    } else {
        spdlog::info("Heap use {} bytes is below memory_limit {} again: PUBLISHes are accepted.", used,
                     limit);
    }
}

void Broker::housekeeping() {
    Durability::Scope scope(durability_.get());
    const auto now = Clock::now();
    for (const auto& s : sessions_.snapshot()) {
        std::uint16_t will_writes = 0;
        if (auto w = s->take_pending_will(now, false, &will_writes)) {
            // A batch of its own: the will's erase goes in with what publishing it stored (so after
            // a crash it is published exactly once), unless its client came back with a new will
            // meanwhile, which the erase must not remove (see Session::end_will_publication).
            std::optional<Durability::Scope> will_scope(std::in_place, durability_.get());
            publish_will(*w, s->client_id());
            s->end_will_publication(will_writes, will_scope);
        }
        auto expires = s->expires_at();
        if (expires && now >= *expires) {
            spdlog::info("Expiring client {}.", loggable(s->client_id()));
            Stats::add(stats_.clients_expired);
            end_session(s);
        }
    }
    ++housekeeping_ticks_;
    if (housekeeping_ticks_ % 60 == 0) router_.expire_retained(now);
    if (config_.sys_interval != 0 && housekeeping_ticks_ % config_.sys_interval == 0) sys_->publish(now);
}

void Broker::publish_log_line(const std::string& topic, const std::string& line) {
    const LogPublishing no_loop;  // what publishing it logs is not published again
    Durability::Scope scope(durability_.get());
    mqtt::Publish p;
    p.topic = topic;
    p.payload = line;
    p.qos = mqtt::QoS::ExactlyOnce;  // as Mosquitto
    router_.publish(nullptr, std::make_shared<Message>(p, std::nullopt));
}

void Broker::publish_will(const StoredWill& w, std::string_view client_id) {
    if (w.access && !w.access->can_publish(w.msg->topic())) {
        spdlog::info("Will of {} on '{}' not published: not authorised.", loggable(w.access->client_id()),
                     w.msg->topic());
        return;
    }
    if (w.expiry_interval) w.msg->expires_at = Clock::now() + std::chrono::seconds(*w.expiry_interval);
    router_.publish(nullptr, w.msg, limits().retain_available, "the will of " + std::string(client_id));
}

void Broker::end_session(const SessionPtr& s) {
    if (auto w = s->take_pending_will(Clock::now(), true)) publish_will(*w, s->client_id());
    router_.redistribute_shared(s, true);
    if (durability_ && s->stored()) {
        durability_->write([&s](persist::Batch& b) { b.erase_session(s->client_id()); });
    }
    router_.unsubscribe_all(s);
    sessions_.remove(s);
}

}  // namespace tapmq::broker
