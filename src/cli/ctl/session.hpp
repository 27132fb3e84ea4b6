// One MQTT connection for a `tapmq ctl` command, driven synchronously: connect, subscribe, publish,
// then run the io_context until a condition holds or a deadline passes. Commands are sequences of
// request → answer, so a blocking façade over the async client keeps them straight-line code; every
// wait has a deadline, so nothing hangs. SIGINT/SIGTERM end any wait (interrupted() says so).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "connection_args.hpp"
#include "util/asio.hpp"

namespace tapmq::cli::ctl {

class Session {
  public:
    using Clock = std::chrono::steady_clock;
    using MessageHandler = std::function<void(const mqtt::Publish&)>;

    // Resolves the connection options now: throws CtlError(kCtlBadInput) for contradictory options
    // or TLS files that cannot be loaded.
    Session(const ConnectionArgs& args, const std::string& id_prefix);
    ~Session();

    void on_message(MessageHandler h) { on_message_ = std::move(h); }

    // Connects and waits for CONNACK. Throws CtlError: kCtlNetwork, kCtlBroker (refused), kCtlTimeout.
    void connect();
    // Subscribes (QoS 1) and waits for the SUBACK. Throws CtlError (kCtlBroker when refused).
    void subscribe(const std::vector<std::string>& filters);
    // QoS 1, not awaited: the answer is what matters. Throws CtlError when the client refuses.
    void publish(const std::string& topic, const std::string& payload,
                 const mqtt::Properties* props = nullptr);
    // Runs until done() is true (true), the deadline passes (false), or an interruption (false).
    // Throws CtlError(kCtlNetwork) when the connection is lost.
    bool run_until(const std::function<bool()>& done, Clock::time_point deadline);
    void disconnect();

    bool interrupted() const noexcept { return interrupted_; }
    mqtt::ProtocolVersion version() const noexcept { return options_.version; }
    const std::string& where() const noexcept { return where_; }

  private:
    void check_lost();

    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    boost::asio::signal_set signals_;
    client::ConnectOptions options_;
    client::StreamFactory make_stream_;
    std::string where_;
    std::shared_ptr<client::Client> client_;
    MessageHandler on_message_;
    std::optional<client::Error> lost_;
    bool interrupted_ = false;
};

}  // namespace tapmq::cli::ctl
