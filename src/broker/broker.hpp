// The broker: owns the worker threads, listeners, sessions, routing and the periodic jobs
// ($SYS, session expiry, delayed wills), and runs the start/stop/reload lifecycle.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>
#include "util/asio.hpp"

#include "config.hpp"
#include "limits.hpp"
#include "listener_settings.hpp"
#include "login_pool.hpp"
#include "router.hpp"
#include "session_registry.hpp"
#include "stats.hpp"
#include "worker.hpp"

namespace tapmq::broker {

namespace bridge {
class Bridge;
}
class Durability;
class Listener;
class SysTopics;

class Broker {
  public:
    // `config_file` is re-read on SIGHUP (empty: nothing to reload).
    explicit Broker(Config config, std::string config_file = {});
    ~Broker();

    // Opens the listeners and starts the workers; throws std::runtime_error when a port cannot be
    // opened. Returns once everything listens.
    void start();
    // Runs the control loop (signals, periodic jobs) until SIGTERM/SIGINT or stop().
    int run();
    void stop();

    // The limits in force. A reload publishes a new version; earlier ones stay alive, so a
    // reference taken by a connection is valid for the broker's lifetime.
    const BrokerLimits& limits() const noexcept { return *limits_.load(std::memory_order_acquire); }
    Stats& stats() noexcept { return stats_; }
    Router& router() noexcept { return router_; }
    SessionRegistry& sessions() noexcept { return sessions_; }
    std::atomic<std::uint32_t>& pending_handshakes() noexcept { return pending_handshakes_; }
    LoginThrottle& login_throttle() noexcept { return login_throttle_; }
    LoginPool& login_pool() noexcept { return login_pool_; }
    // Null when persistence is off.
    Durability* durability() noexcept { return durability_.get(); }
    // Limits for a new session, from the limits in force.
    SessionLimits session_limits() const;
    // With a corrupt or unknown store: move it aside and start empty instead of refusing to start.
    void set_move_aside_corrupt_store(bool v) noexcept { move_aside_corrupt_store_ = v; }
    const Clock::time_point started_at() const noexcept { return started_at_; }
    // Every listener's settings and counters (made at start, never removed).
    const std::list<ListenerSettings>& listener_settings() const noexcept { return listener_settings_; }

    // Publishes the will of `client_id` now (its Message Expiry starts counting here).
    void publish_will(const StoredWill& w, std::string_view client_id);
    // Ends a session: its pending will goes out, its subscriptions go away.
    void end_session(const SessionPtr& s);
    // The HTTP service of a websockets listener with http_dir or http_metrics.
    std::shared_ptr<http::HttpService> make_http_service(const ListenerConfig& lc);
    // Picks the worker for a new connection (round robin).
    Worker& next_worker();
    bool accepting() const noexcept { return !stopping_.load(std::memory_order_relaxed); }
    // memory_limit: the heap in use has passed it (checked every 100 ms); new PUBLISHes are
    // refused meanwhile (Connection::on_publish).
    bool over_memory_limit() const noexcept { return over_memory_limit_.load(std::memory_order_relaxed); }
    // The bridges running now (any thread; SIGHUP changes them).
    std::vector<std::shared_ptr<bridge::Bridge>> bridges() const {
        std::lock_guard lock(bridges_mutex_);
        return bridges_;
    }

  private:
    void apply_config(const Config& c);
    // Bridges (bridge/bridge.cpp): each on the next worker, with an internal listener of its own.
    void start_bridges();
    void start_bridge(const bridge::BridgeConfig& c);
    // SIGHUP: bridges removed or changed are stopped, new or changed ones started.
    void reload_bridges(const Config& fresh);
    void schedule_housekeeping();
    void schedule_memory_check();
    // log_dest topic (control thread).
    void publish_log_line(const std::string& topic, const std::string& line);
    void check_memory();
    void housekeeping();
    void shutdown();
    void reload();

    Config config_;
    std::string config_file_;
    std::atomic<const BrokerLimits*> limits_{nullptr};
    std::vector<std::unique_ptr<const BrokerLimits>> limit_versions_;
    Stats stats_;
    // Sessions point into the registry's contexts: the registry is declared before the router
    // (whose subscriptions hold sessions), so it is destroyed after it.
    SessionRegistry sessions_{stats_};
    Router router_{stats_};
    std::atomic<std::uint32_t> pending_handshakes_{0};
    std::unique_ptr<Durability> durability_;  // destroyed after the workers (declared before them)
    bool move_aside_corrupt_store_ = false;
    void open_store();
    LoginThrottle login_throttle_;
    Clock::time_point started_at_ = Clock::now();

    // Destruction runs bottom-up: the control context (and the accept operations it still holds,
    // whose sockets belong to worker contexts) goes before the workers.
    std::vector<std::unique_ptr<Worker>> workers_;
    // Destroyed before the workers: a check still running posts its answer to a worker context.
    LoginPool login_pool_{2};
    boost::asio::io_context control_{1};  // signals, acceptors, timers
    boost::asio::signal_set signals_{control_};
    boost::asio::steady_timer housekeeping_timer_{control_};
    boost::asio::steady_timer memory_timer_{control_};
    std::atomic<std::uint64_t> memory_limit_{0};  // bytes, 0 = none (reloadable)
    std::atomic<bool> over_memory_limit_{false};
    std::atomic<unsigned> next_worker_{0};
    std::list<ListenerSettings> listener_settings_;  // stable addresses
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::unique_ptr<SysTopics> sys_;
    // The bridges' internal listeners (kept for good: sessions refer to them) and the bridges,
    // destroyed before the workers whose contexts their timers and sockets belong to.
    std::list<ListenerSettings> bridge_listeners_;
    std::vector<std::shared_ptr<bridge::Bridge>> bridges_;  // under bridges_mutex_ (control thread writes)
    mutable std::mutex bridges_mutex_;
    std::atomic<bool> stopping_{false};
    int exit_code_ = 0;
    std::string pid_file_;                  // written at start, removed at exit
    std::uint64_t housekeeping_ticks_ = 0;  // seconds since start (control thread)
};

}  // namespace tapmq::broker
