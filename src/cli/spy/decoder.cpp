// Messages decoded into SpyEvents (decoder.hpp).
#include "decoder.hpp"

#include "tap/describe.hpp"
#include "tap/hex.hpp"

namespace tapmq::cli::spy {

namespace {

bool printable_utf8(std::string_view s) {
    for (unsigned char c : s)
        if ((c < 0x20 && c != '\t') || c == 0x7F) return false;
    return nlohmann::json(std::string(s))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
               .find("\\ufffd") == std::string::npos;
}

std::string hex_id(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08X", v);
    return buf;
}

}  // namespace

std::string show_payload(std::string_view payload) {
    if (payload.empty()) return "(empty)";
    if (payload.front() == '{' || payload.front() == '[') {
        auto j = nlohmann::ordered_json::parse(payload, nullptr, false);
        if (!j.is_discarded()) return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    if (printable_utf8(payload)) return std::string(payload);
    return "hex " + tap::to_hex(payload);
}

Decoder::Decoder(std::string prefix_template, std::optional<std::string> netkey, const tap::Project& project)
    : prefix_(std::move(prefix_template)), netkey_(std::move(netkey)), project_(project) {}

const tap::SealKey& Decoder::key(const std::string& serial, tap::Direction d) {
    auto k = std::make_pair(serial, static_cast<int>(d));
    auto it = keys_.find(k);
    if (it == keys_.end()) it = keys_.emplace(k, tap::derive_key(*netkey_, serial, d)).first;
    return it->second;
}

SpyEvent Decoder::decode(const Message& m) {
    SpyEvent e;
    e.msg = m;
    e.where = tap::parse_tap_topic(prefix_, m.topic);
    e.detail["payload_size"] = m.payload.size();
    if (!e.where) {
        e.text = show_payload(m.payload);
        return e;
    }
    try {
        switch (e.where->kind) {
            case tap::TopicKind::Cmd:
            case tap::TopicKind::Resp:
                decode_frame(e);
                break;
            case tap::TopicKind::Status:
                if (m.payload.empty()) {
                    e.text = "cleared";
                } else {
                    decode_json_topic(e, m.payload);
                }
                break;
            case tap::TopicKind::Data:
            case tap::TopicKind::Event:
            case tap::TopicKind::AppIn:
            case tap::TopicKind::AppOut:
                decode_frame(e);
                break;
        }
    } catch (const std::exception& ex) {
        e.error = true;
        e.text = std::string("cannot decode: ") + ex.what() + ": hex " + tap::to_hex(m.payload);
    }
    return e;
}

void Decoder::decode_frame(SpyEvent& e) {
    const auto kind = e.where->kind;
    std::string body = e.msg.payload;
    const bool to_tap = kind == tap::TopicKind::Cmd || kind == tap::TopicKind::AppIn;
    // A sealed frame? Requests and answers that decode as APDUs are not; the rest are tried as
    // sealed when their header says so.
    bool plain = false;
    if (kind == tap::TopicKind::Cmd) {
        try {
            (void)tap::decode_apdu_request(body);
            plain = true;
        } catch (const std::exception&) {
        }
    } else if (kind == tap::TopicKind::Resp) {
        try {
            (void)tap::decode_apdu_response(body);
            plain =
                body.size() < tap::kSealOverhead || static_cast<unsigned char>(body[0]) != tap::kSealVersion;
        } catch (const std::exception&) {
        }
    } else if (kind == tap::TopicKind::Data || kind == tap::TopicKind::Event) {
        plain = !body.empty() && (body.front() == '{' || body.front() == '[');
    }
    tap::SealHeader h;
    if (!plain && tap::parse_seal_header(body, h) && h.version == tap::kSealVersion && h.direction <= 1) {
        Sealed s{h.sender, h.counter, h.time, false, {}};
        if (!netkey_) {
            s.problem = "no netkey given";
        } else if (h.direction != (to_tap ? 0 : 1)) {
            s.problem = "wrong direction";
        } else {
            std::string plaintext;
            const auto d = to_tap ? tap::Direction::ToTap : tap::Direction::FromTap;
            if (tap::open_frame(key(e.where->serial, d), body, e.msg.topic, plaintext)) {
                s.opened = true;
                body = std::move(plaintext);
            } else {
                s.problem = "does not open with the netkey (wrong netkey, or altered)";
            }
        }
        e.detail["sealed"] = {
            {"sender", hex_id(s.sender)}, {"counter", s.counter}, {"time", s.time}, {"opened", s.opened}};
        if (!s.problem.empty()) e.detail["sealed"]["problem"] = s.problem;
        e.sealed = s;
        if (!s.opened) {
            e.error = netkey_.has_value();
            e.text = "sealed frame from " + hex_id(s.sender) + " #" + std::to_string(s.counter) + ", " +
                     std::to_string(body.size() - tap::kSealOverhead) + " bytes: " + s.problem;
            return;
        }
    }
    switch (kind) {
        case tap::TopicKind::Cmd: {
            e.request = tap::decode_apdu_request(body);
            e.text = tap::describe_request(*e.request, &project_);
            e.detail["request"] = {{"method", std::string(tap::name(e.request->method))},
                                   {"path", e.request->path.to_string()},
                                   {"text", e.text}};
            break;
        }
        case tap::TopicKind::Resp: {
            e.response = tap::decode_apdu_response(body);
            e.error = !tap::is_success(e.response->code);
            describe_response(e, nullptr);
            break;
        }
        case tap::TopicKind::Data:
        case tap::TopicKind::Event:
            decode_json_topic(e, body);
            break;
        default:
            e.text = show_payload(body);
            break;
    }
}

void Decoder::describe_response(SpyEvent& e, const tap::TapRequest* request) const {
    if (!e.response) return;
    e.text = tap::describe_response(request, *e.response, &project_);
    e.detail["response"] = {{"code", static_cast<int>(e.response->code)},
                            {"code_name", std::string(tap::name(e.response->code))},
                            {"data_hex", tap::to_hex(e.response->data)},
                            {"value", tap::data_json(request, *e.response, &project_)},
                            {"text", e.text}};
}

void Decoder::decode_json_topic(SpyEvent& e, std::string_view body) {
    auto j = nlohmann::ordered_json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        e.text = show_payload(body);
        return;
    }
    e.detail[std::string(tap::name(e.where->kind))] = j;
    switch (e.where->kind) {
        case tap::TopicKind::Status: {
            e.text = j.value("state", std::string("?"));
            if (j.contains("since") && j["since"].is_string())
                e.text += " since " + j["since"].get<std::string>();
            if (j.contains("reason") && j["reason"].is_string())
                e.text += " (" + j["reason"].get<std::string>() + ")";
            if (j.contains("firmware") && j["firmware"].is_string())
                e.text += " firmware " + j["firmware"].get<std::string>();
            break;
        }
        case tap::TopicKind::Data: {
            e.text = j.value("bundle", std::string("?"));
            if (j.contains("values") && j["values"].is_object()) {
                for (const auto& [k, v] : j["values"].items())
                    e.text += " " + k + "=" + v.dump();
            }
            break;
        }
        case tap::TopicKind::Event:
            e.text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            break;
        default:
            e.text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            break;
    }
}

}  // namespace tapmq::cli::spy
