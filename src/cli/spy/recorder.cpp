// Recorded messages as JSON lines (recorder.hpp).
#include "recorder.hpp"

#include <stdexcept>

#include "tap/hex.hpp"

namespace tapmq::cli::spy {

std::string record_line(const Message& m) {
    nlohmann::ordered_json j;
    j["time_us"] = m.time_us;
    j["topic"] = m.topic;
    j["payload_hex"] = tap::to_hex(m.payload);
    j["qos"] = m.qos;
    j["retain"] = m.retain;
    if (m.response_topic) j["response_topic"] = *m.response_topic;
    if (m.correlation) j["correlation_hex"] = tap::to_hex(*m.correlation);
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Message parse_record_line(std::string_view line) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) throw std::invalid_argument("not a JSON object");
    Message m;
    try {
        m.time_us = j.at("time_us").get<std::int64_t>();
        m.topic = j.at("topic").get<std::string>();
        auto payload = tap::from_hex(j.at("payload_hex").get<std::string>());
        if (!payload) throw std::invalid_argument("payload_hex is not hex");
        m.payload = std::move(*payload);
        m.qos = j.value("qos", 0);
        m.retain = j.value("retain", false);
        if (j.contains("response_topic")) m.response_topic = j["response_topic"].get<std::string>();
        if (j.contains("correlation_hex")) {
            auto c = tap::from_hex(j["correlation_hex"].get<std::string>());
            if (!c) throw std::invalid_argument("correlation_hex is not hex");
            m.correlation = std::move(*c);
        }
    } catch (const nlohmann::json::exception& e) {
        throw std::invalid_argument(e.what());
    }
    return m;
}

}  // namespace tapmq::cli::spy
