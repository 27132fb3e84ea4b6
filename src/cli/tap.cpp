// `tapmq tap`: one simulated Tap, or a fleet of them, on one io_context (tap.hpp).
#include "tap.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "client/tls_stream.hpp"
#include "exit_codes.hpp"
#include "relay/runtime/fleet.hpp"
#include "relay/runtime/netkey.hpp"
#include "relay/runtime/tap_relay.hpp"
#include "relay/state_error.hpp"
#include "tap/sensor_demo.hpp"
#include "tap/topics.hpp"

namespace tapmq::cli {
namespace {

namespace rt = relay::runtime;

std::filesystem::path default_state_root() {
    if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x)
        return std::filesystem::path(x) / "tapmq" / "taps";
    if (const char* h = std::getenv("HOME"); h && *h)
        return std::filesystem::path(h) / ".local" / "state" / "tapmq" / "taps";
    return std::filesystem::path("tapmq-state");
}

tap::Project load_project(const std::string& file) {
    if (file.empty()) return tap::sensor_demo_project();
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read the project file " + file + ": " + std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    return tap::Project::parse(ss.str(), file);
}

void set_up_logging(const std::string& level) {
    auto logger = spdlog::stderr_color_mt("tapmq-tap");
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::from_str(level));
    spdlog::flush_on(spdlog::level::info);
}

// A fleet holds a connection, a lock and the datalog files per Tap: raise the soft limit of open
// files to the hard one.
void raise_file_limit() {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &r);
    }
}

}  // namespace

int run_tap(const TapArgs& a) {
    static const char* levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
    if (std::find(std::begin(levels), std::end(levels), a.log_level) == std::end(levels)) {
        std::fprintf(stderr, "tapmq tap: unknown --log-level '%s' (trace, debug, info, warn, error, off)\n",
                     a.log_level.c_str());
        return kExitUsage;
    }
    set_up_logging(a.log_level);
    ::signal(SIGPIPE, SIG_IGN);  // an app hook that exits without reading its input
    raise_file_limit();

    if (!a.conn.will_topic.empty()) {
        spdlog::error("--will-topic: a Tap's will is its offline status on <prefix>/status");
        return kExitUsage;
    }
    tap::Project project = tap::sensor_demo_project();
    std::optional<std::string> netkey;
    ResolvedConnection conn;
    client::StreamFactory make;
    try {
        project = load_project(a.project_file);
        if (a.netkey) {
            if (a.netkey->empty())
                throw std::runtime_error("--netkey is empty (leave it out for no sealing)");
            netkey = *a.netkey;
        }
        if (a.netkey_file) netkey = rt::read_key_file(*a.netkey_file);
        conn = resolve_connection(a.conn, "");
        make = make_stream(conn);
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return kExitUsage;
    }
    std::vector<std::string> serials;
    try {
        tap::TapTopics check(project.relay().topic_prefix, a.serial);  // a serial that cannot make topics
        serials = rt::fleet_serials(a.serial, a.fleet == 0 ? 1 : a.fleet);
    } catch (const std::exception& e) {
        spdlog::error("--serial {}: {}", a.serial, e.what());
        return kExitUsage;
    }

    boost::asio::io_context io(1);
    std::vector<std::shared_ptr<rt::TapRelay>> taps;
    taps.reserve(serials.size());
    const auto root = a.state_dir.empty() ? default_state_root() : std::filesystem::path(a.state_dir);
    const auto reconnect = to_reconnect_options(a.conn, conn);
    try {
        for (const auto& serial : serials) {
            rt::TapConfig c(serial, project);
            c.state_dir = (a.fleet == 0 && !a.state_dir.empty()) ? root : root / serial;
            c.netkey = netkey;
            if (!a.app_hook.empty()) c.app_hook = a.app_hook;
            c.seed = rt::seed_of(serial);
            c.connect = conn.options;
            c.connect.client_id = a.conn.client_id.empty() || a.fleet > 0 ? serial : a.conn.client_id;
            c.client_id_given = !a.conn.client_id.empty() && a.fleet == 0;
            c.make_stream = make;
            c.make_auth = conn.make_auth;
            c.backoff = reconnect.backoff;
            c.host_given = a.host_given;
            c.port_given = a.port_given;
            c.username_given = conn.options.username.has_value() || conn.make_auth != nullptr;
            c.password_given = conn.options.password.has_value() || conn.make_auth != nullptr;
            taps.push_back(rt::TapRelay::create(io, std::move(c)));
        }
        for (auto& t : taps)
            t->start();
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return kExitFailure;
    }
    if (taps.size() == 1) {
        spdlog::info("{}: Tap started (state in {})", serials.front(),
                     (a.fleet == 0 && !a.state_dir.empty() ? root : root / serials.front()).string());
    } else {
        spdlog::info("fleet of {} Taps started: {} .. {} (state in {}/SERIAL)", taps.size(), serials.front(),
                     serials.back(), root.string());
    }

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("signal {}: publishing the offline status and disconnecting", sig);
        auto left = std::make_shared<std::size_t>(taps.size());
        for (auto& t : taps) {
            t->stop([left, &io] {
                if (--*left == 0) io.stop();
            });
        }
        // A second signal ends at once.
        signals.async_wait([&io](const boost::system::error_code& e, int) {
            if (!e) io.stop();
        });
    });
    io.run();
    taps.clear();
    return kExitOk;
}

}  // namespace tapmq::cli
