// The $SYS/broker/... tree, with Mosquitto's topic names, published retained every sys_interval.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "message.hpp"

namespace tapmq::broker {

class Broker;

class SysTopics {
  public:
    explicit SysTopics(Broker& broker) : broker_(broker) {}
    // Publishes every value (values that did not change since the last call are not re-sent).
    void publish(Clock::time_point now);

  private:
    void set(const std::string& topic, const std::string& value);
    // Mosquitto's load averages: exponentially damped rate per minute over 1, 5 and 15 minutes.
    void load(const std::string& name, std::uint64_t total, double interval_s);

    Broker& broker_;
    std::unordered_map<std::string, std::string> last_;
    std::unordered_map<std::string, std::uint64_t> last_totals_;
    std::unordered_map<std::string, double> averages_;
    Clock::time_point last_publish_{};
};

}  // namespace tapmq::broker
