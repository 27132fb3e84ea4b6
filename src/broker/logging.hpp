// Log set-up from log_dest / log_type / log_timestamp (Mosquitto's directives) and -v, and the
// `log_dest topic` destination: each line published on $SYS/broker/log/{E,W,I,D} (error, warning,
// information and notice, debug) as Mosquitto does, once the broker has given a publisher.
#pragma once

#include <functional>
#include <string>

#include "config.hpp"

namespace tapmq::broker {

void setup_logging(const Config& config, bool verbose);

// With `log_dest topic`: what publishes a log line (the topic, then the line). It must not log
// synchronously: the broker's posts the line to its control thread, which publishes it inside a
// LogPublishing scope. Empty: lines are not published (before start, after stop).
using LogPublisher = std::function<void(std::string topic, std::string line)>;
void set_log_publisher(LogPublisher publisher);

// While one exists on a thread, that thread's log lines are not published: publishing a log line
// may log (a drop...), which must not publish again (no log loops).
class LogPublishing {
  public:
    LogPublishing() noexcept;
    ~LogPublishing();
    LogPublishing(const LogPublishing&) = delete;
    LogPublishing& operator=(const LogPublishing&) = delete;
};

}  // namespace tapmq::broker
