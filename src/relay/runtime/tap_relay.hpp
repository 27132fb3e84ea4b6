// One Tap at run time: its simulated target, state directory, command processor and MQTT link, put
// together. It connects (client id and user name from the relay settings unless the command line
// gives them), publishes its retained status, answers requests on <prefix>/cmd[/<reply-id>] through
// the command processor (one queue per reply channel, sealed when it has a netkey), publishes
// datalog records and alarm events, hands sealed <prefix>/app/in packets to the app hook, and
// restarts itself (a clean disconnect, then everything but the target and the state directory's lock
// made again from the state directory) when the processor reports a reboot, new relay settings, a
// new project or an installed firmware.
//
// Single-threaded: everything runs on the io_context given; many TapRelays may share one (--fleet).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "client/backoff.hpp"
#include "client/options.hpp"
#include "client/stream_factory.hpp"
#include "relay/simulated_target.hpp"
#include "relay/state_dir.hpp"
#include "tap/project.hpp"

namespace tapmq::relay::runtime {

struct TapConfig {
    TapConfig(std::string serial_number, tap::Project initial)
        : serial(std::move(serial_number)), project(std::move(initial)) {}

    std::string serial;
    std::filesystem::path state_dir;
    tap::Project project;               // the initial project (an uploaded one in the state dir wins)
    std::optional<std::string> netkey;  // --netkey / --netkey-file: wins over the relay settings' netkey
    std::optional<std::string> app_hook;
    std::uint64_t seed = 1;    // the simulated target's
    bool sync_datalog = true;  // fdatasync every datalog change

    // The connection: the command line's, resolved. Host, port, client id, user name and password
    // come from the relay settings unless the command line gave them (the *_given flags).
    client::ConnectOptions connect;
    client::StreamFactory make_stream;
    std::function<std::shared_ptr<client::EnhancedAuth>()> make_auth;
    client::BackoffOptions backoff;
    bool host_given = false;
    bool port_given = false;
    bool client_id_given = false;
    bool username_given = false;
    bool password_given = false;
};

struct TapCounters {
    std::uint64_t requests = 0;
    std::uint64_t refused = 0;      // sealed requests that could not be accepted
    std::uint64_t app_dropped = 0;  // app/in packets dropped
    std::uint64_t restarts = 0;
    std::uint64_t connections = 0;
};

class TapRelay : public std::enable_shared_from_this<TapRelay> {
  public:
    // Opens and locks the state directory; throws StateError (in use, not writable...).
    static std::shared_ptr<TapRelay> create(boost::asio::io_context& io, TapConfig config);
    ~TapRelay();
    TapRelay(const TapRelay&) = delete;
    TapRelay& operator=(const TapRelay&) = delete;

    // Builds the processor and connects. Throws StateError when the state directory cannot be read.
    void start();
    // Publishes the offline status (retained), disconnects; `done` runs when it is over (at most a
    // few seconds when the broker does not answer).
    void stop(std::function<void()> done);

    const std::string& serial() const noexcept { return config_.serial; }
    const TapCounters& counters() const noexcept { return counters_; }
    bool connected() const;

  private:
    struct Instance;
    class Hooks;
    TapRelay(boost::asio::io_context& io, TapConfig config);
    void restart(std::string reason);
    void after_answer();

    boost::asio::io_context& io_;
    TapConfig config_;
    StateDir dir_;
    std::optional<StateLock> lock_;
    SimulatedTarget target_;  // the board outlives the relay's restarts
    std::unique_ptr<Instance> cur_;
    std::optional<std::string> pending_restart_;
    bool restarting_ = false;
    bool stopping_ = false;
    TapCounters counters_;
};

}  // namespace tapmq::relay::runtime
