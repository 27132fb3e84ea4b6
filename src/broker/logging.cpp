#include "logging.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <mutex>

namespace tapmq::broker {
namespace {

bool has(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

thread_local bool publishing_log = false;

std::mutex publisher_mutex;
LogPublisher& publisher() {
    static LogPublisher p;
    return p;
}

// log_dest topic. Mosquitto's payload: "<epoch seconds>: line" with log_timestamp true (a custom
// log_timestamp_format is not applied here), else the line.
class TopicSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit TopicSink(bool timestamp) : timestamp_(timestamp) {}

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        if (publishing_log) return;
        std::string line;
        if (timestamp_) {
            const auto secs =
                std::chrono::duration_cast<std::chrono::seconds>(msg.time.time_since_epoch()).count();
            line = std::to_string(secs) + ": ";
        }
        line.append(msg.payload.data(), msg.payload.size());
        const char* level = "D";
        switch (msg.level) {
            case spdlog::level::critical:
            case spdlog::level::err:
                level = "E";
                break;
            case spdlog::level::warn:
                level = "W";
                break;
            case spdlog::level::info:
                level = "I";
                break;
            default:
                break;
        }
        std::lock_guard lock(publisher_mutex);
        if (publisher()) publisher()(std::string("$SYS/broker/log/") + level, std::move(line));
    }
    void flush_() override {}

  private:
    bool timestamp_;
};

}  // namespace

void set_log_publisher(LogPublisher p) {
    std::lock_guard lock(publisher_mutex);
    publisher() = std::move(p);
}

LogPublishing::LogPublishing() noexcept {
    publishing_log = true;
}

LogPublishing::~LogPublishing() {
    publishing_log = false;
}

void setup_logging(const Config& config, bool verbose) {
    std::vector<spdlog::sink_ptr> sinks;
    for (const auto& dest : config.log_dest) {
        if (dest == "stderr") {
            sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
        } else if (dest == "stdout") {
            sinks.push_back(std::make_shared<spdlog::sinks::stdout_sink_mt>());
        } else if (dest == "file" && !config.log_file.empty()) {
            sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.log_file));
        } else if (dest == "syslog") {
            // log_facility N: local0..local7 instead of daemon, as Mosquitto.
            const int facility = config.log_facility ? LOG_LOCAL0 + (*config.log_facility << 3) : LOG_DAEMON;
            sinks.push_back(std::make_shared<spdlog::sinks::syslog_sink_mt>("tapmqd", 0, facility, false));
        } else if (dest == "topic") {
            sinks.push_back(std::make_shared<TopicSink>(config.log_timestamp));
        }
    }
    auto logger = std::make_shared<spdlog::logger>("tapmqd", sinks.begin(), sinks.end());
    // Mosquitto prints "<epoch seconds>: message"; a strftime format replaces the epoch.
    std::string pattern =
        config.log_timestamp
            ? (config.log_timestamp_format.empty() ? "%E: %v" : config.log_timestamp_format + ": %v")
            : "%v";
    logger->set_pattern(pattern);
    const auto& types = config.log_type;
    spdlog::level::level_enum level = spdlog::level::err;
    if (has(types, "all") || has(types, "debug") || verbose) {
        level = spdlog::level::debug;
    } else if (has(types, "information") || has(types, "notice") || has(types, "subscribe")) {
        level = spdlog::level::info;
    } else if (has(types, "warning")) {
        level = spdlog::level::warn;
    } else if (has(types, "none")) {
        level = spdlog::level::off;
    }
    logger->set_level(level);
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

}  // namespace tapmq::broker
