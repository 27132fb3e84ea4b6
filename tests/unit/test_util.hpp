// Shared helpers for the codec unit tests: byte builders, decode wrappers, the error expectation and
// printers so that failing comparisons show readable packets.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

#include "mqtt/decoder.hpp"
#include "mqtt/encoder.hpp"
#include "mqtt/packets.hpp"
#include "mqtt/protocol_error.hpp"
#include "mqtt/reason_code.hpp"
#include "mqtt/types.hpp"

namespace tapmq::mqtt {

// ---- printers (found by ADL from gtest) ----

inline std::string hex(std::string_view s) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i != 0) out.push_back(' ');
        auto b = static_cast<unsigned char>(s[i]);
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0x0F]);
    }
    return out;
}

inline void PrintTo(ReasonCode rc, std::ostream* os) {
    *os << "0x" << hex(std::string(1, static_cast<char>(rc))) << " (" << to_string(rc) << ")";
}
inline void PrintTo(PacketType t, std::ostream* os) {
    *os << static_cast<int>(t) << " (" << to_string(t) << ")";
}
inline void PrintTo(ProtocolVersion v, std::ostream* os) {
    *os << static_cast<int>(v);
}
inline void PrintTo(QoS q, std::ostream* os) {
    *os << "QoS" << static_cast<int>(q);
}

namespace test_detail {

inline void print_sv(std::ostream& os, std::string_view s) {
    os << '"' << s << "\" [" << hex(s) << "]";
}

template <typename T>
void print_opt(std::ostream& os, const char* name, const std::optional<T>& v) {
    if (!v) return;
    os << ' ' << name << '=';
    if constexpr (std::is_same_v<T, std::string_view>) {
        print_sv(os, *v);
    } else {
        os << static_cast<std::uint64_t>(*v);
    }
}

}  // namespace test_detail

inline void PrintTo(const Properties& p, std::ostream* os) {
    using test_detail::print_opt;
    auto& o = *os;
    o << "{";
    print_opt(o, "pfi", p.payload_format_indicator);
    print_opt(o, "expiry", p.message_expiry_interval);
    print_opt(o, "content_type", p.content_type);
    print_opt(o, "response_topic", p.response_topic);
    print_opt(o, "correlation", p.correlation_data);
    for (auto id : p.subscription_identifiers)
        o << " sub_id=" << id;
    print_opt(o, "session_expiry", p.session_expiry_interval);
    print_opt(o, "assigned_id", p.assigned_client_identifier);
    print_opt(o, "server_keep_alive", p.server_keep_alive);
    print_opt(o, "auth_method", p.authentication_method);
    print_opt(o, "auth_data", p.authentication_data);
    print_opt(o, "req_problem", p.request_problem_information);
    print_opt(o, "will_delay", p.will_delay_interval);
    print_opt(o, "req_response", p.request_response_information);
    print_opt(o, "response_info", p.response_information);
    print_opt(o, "server_ref", p.server_reference);
    print_opt(o, "reason_string", p.reason_string);
    print_opt(o, "receive_max", p.receive_maximum);
    print_opt(o, "alias_max", p.topic_alias_maximum);
    print_opt(o, "alias", p.topic_alias);
    print_opt(o, "max_qos", p.maximum_qos);
    print_opt(o, "retain_avail", p.retain_available);
    for (const auto& u : p.user_properties) {
        o << " user=";
        test_detail::print_sv(o, u.key);
        o << ':';
        test_detail::print_sv(o, u.value);
    }
    print_opt(o, "max_packet", p.maximum_packet_size);
    print_opt(o, "wildcard_avail", p.wildcard_subscription_available);
    print_opt(o, "subid_avail", p.subscription_identifier_available);
    print_opt(o, "shared_avail", p.shared_subscription_available);
    o << " }";
}

inline void PrintTo(const Will& w, std::ostream* os) {
    *os << "Will{topic=";
    test_detail::print_sv(*os, w.topic);
    *os << " payload=";
    test_detail::print_sv(*os, w.payload);
    *os << " qos=" << static_cast<int>(w.qos) << " retain=" << w.retain << " props=";
    PrintTo(w.properties, os);
    *os << "}";
}

inline void PrintTo(const Connect& c, std::ostream* os) {
    *os << "CONNECT{v=" << static_cast<int>(c.version) << " clean=" << c.clean_start
        << " keep_alive=" << c.keep_alive << " client_id=";
    test_detail::print_sv(*os, c.client_id);
    if (c.will) {
        *os << ' ';
        PrintTo(*c.will, os);
    }
    test_detail::print_opt(*os, "username", c.username);
    test_detail::print_opt(*os, "password", c.password);
    *os << " props=";
    PrintTo(c.properties, os);
    *os << "}";
}

inline void PrintTo(const Connack& c, std::ostream* os) {
    *os << "CONNACK{sp=" << c.session_present << " reason=";
    PrintTo(c.reason, os);
    *os << " props=";
    PrintTo(c.properties, os);
    *os << "}";
}

inline void PrintTo(const Publish& p, std::ostream* os) {
    *os << "PUBLISH{topic=";
    test_detail::print_sv(*os, p.topic);
    *os << " payload=" << (p.payload.size() > 64 ? hex(p.payload.substr(0, 64)) + "..." : hex(p.payload))
        << " (" << p.payload.size() << " bytes) qos=" << static_cast<int>(p.qos) << " retain=" << p.retain
        << " dup=" << p.dup << " id=" << p.packet_id << " props=";
    PrintTo(p.properties, os);
    *os << "}";
}

template <PacketType T>
void PrintTo(const PublishResponse<T>& p, std::ostream* os) {
    *os << to_string(T) << "{id=" << p.packet_id << " reason=";
    PrintTo(p.reason, os);
    *os << " props=";
    PrintTo(p.properties, os);
    *os << "}";
}

inline void PrintTo(const Subscribe& s, std::ostream* os) {
    *os << "SUBSCRIBE{id=" << s.packet_id;
    for (const auto& t : s.topics) {
        *os << " [";
        test_detail::print_sv(*os, t.filter);
        *os << " qos=" << static_cast<int>(t.options.qos) << " nl=" << t.options.no_local
            << " rap=" << t.options.retain_as_published << " rh=" << int{t.options.retain_handling} << "]";
    }
    *os << " props=";
    PrintTo(s.properties, os);
    *os << "}";
}

inline void print_reasons(const std::vector<ReasonCode>& v, std::ostream* os) {
    *os << " reasons=[";
    for (auto r : v) {
        PrintTo(r, os);
        *os << ' ';
    }
    *os << "]";
}

inline void PrintTo(const Suback& s, std::ostream* os) {
    *os << "SUBACK{id=" << s.packet_id;
    print_reasons(s.reasons, os);
    *os << " props=";
    PrintTo(s.properties, os);
    *os << "}";
}

inline void PrintTo(const Unsubscribe& s, std::ostream* os) {
    *os << "UNSUBSCRIBE{id=" << s.packet_id;
    for (auto f : s.filters) {
        *os << ' ';
        test_detail::print_sv(*os, f);
    }
    *os << " props=";
    PrintTo(s.properties, os);
    *os << "}";
}

inline void PrintTo(const Unsuback& s, std::ostream* os) {
    *os << "UNSUBACK{id=" << s.packet_id;
    print_reasons(s.reasons, os);
    *os << " props=";
    PrintTo(s.properties, os);
    *os << "}";
}

inline void PrintTo(const Pingreq&, std::ostream* os) {
    *os << "PINGREQ";
}
inline void PrintTo(const Pingresp&, std::ostream* os) {
    *os << "PINGRESP";
}

inline void PrintTo(const Disconnect& d, std::ostream* os) {
    *os << "DISCONNECT{reason=";
    PrintTo(d.reason, os);
    *os << " props=";
    PrintTo(d.properties, os);
    *os << "}";
}

inline void PrintTo(const Auth& a, std::ostream* os) {
    *os << "AUTH{reason=";
    PrintTo(a.reason, os);
    *os << " props=";
    PrintTo(a.properties, os);
    *os << "}";
}

inline void PrintTo(const Packet& p, std::ostream* os) {
    std::visit([os](const auto& x) { PrintTo(x, os); }, p);
}

namespace test {

// ---- byte builders ----

inline std::string bytes(std::initializer_list<unsigned> list) {
    std::string s;
    for (auto b : list)
        s.push_back(static_cast<char>(b));
    return s;
}

inline std::string u16(std::uint32_t v) {
    return bytes({(v >> 8) & 0xFF, v & 0xFF});
}

inline std::string u32(std::uint32_t v) {
    return bytes({v >> 24, (v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF});
}

// Variable byte integer, spec 1.5.5.
inline std::string vbi(std::uint32_t v) {
    std::string s;
    do {
        unsigned b = v & 0x7F;
        v >>= 7;
        if (v != 0) b |= 0x80;
        s.push_back(static_cast<char>(b));
    } while (v != 0);
    return s;
}

// Two-byte length prefixed string or binary data.
inline std::string str(std::string_view s) {
    return u16(static_cast<std::uint32_t>(s.size())) + std::string(s);
}

// A property block: variable byte integer length, then the properties.
inline std::string props(std::string_view content) {
    return vbi(static_cast<std::uint32_t>(content.size())) + std::string(content);
}

// A whole packet: first byte, remaining length, body.
inline std::string packet(std::uint8_t first_byte, std::string_view body) {
    return std::string(1, static_cast<char>(first_byte)) + vbi(static_cast<std::uint32_t>(body.size())) +
           std::string(body);
}

// ---- decoding wrappers ----

// Decodes exactly one packet that fills `data`. Throws (a test failure) when it does not.
inline Packet decode_one(std::string_view data, ProtocolVersion v) {
    auto header = parse_fixed_header(data, kMaxPacketSize);
    if (!header) throw std::runtime_error("decode_one: incomplete fixed header");
    if (header->packet_size() != data.size())
        throw std::runtime_error("decode_one: size mismatch (test bug)");
    return decode_packet(*header, data.substr(header->header_size), v);
}

template <typename T>
T decode_as(std::string_view data, ProtocolVersion v) {
    Packet p = decode_one(data, v);
    if (auto* t = std::get_if<T>(&p)) return *t;
    throw std::runtime_error("decode_as: decoded a different packet type");
}

// Expects decoding `data` (exactly one packet) as `v` to throw ProtocolError with `rc`, both through
// parse_fixed_header + decode_packet and through a StreamDecoder.
inline void expect_error(std::string_view data, ProtocolVersion v, ReasonCode rc) {
    std::string hexed = hex(data);
    try {
        auto header = parse_fixed_header(data, kMaxPacketSize);
        if (!header) {
            ADD_FAILURE() << "incomplete fixed header (test bug): " << hexed;
            return;
        }
        if (header->packet_size() != data.size()) {
            ADD_FAILURE() << "packet size " << header->packet_size() << " != " << data.size()
                          << " (test bug): " << hexed;
            return;
        }
        Packet p = decode_packet(*header, data.substr(header->header_size), v);
        ADD_FAILURE() << "decode_packet did not throw; expected " << testing::PrintToString(rc) << " for "
                      << hexed << "\n  decoded: " << testing::PrintToString(p);
    } catch (const ProtocolError& e) {
        EXPECT_EQ(e.code(), rc) << "what(): " << e.what() << "\n  bytes: " << hexed;
    }

    StreamDecoder decoder;
    decoder.set_version(v);
    std::string_view buffer = data;
    try {
        auto p = decoder.next(buffer);
        ADD_FAILURE() << "StreamDecoder did not throw; expected " << testing::PrintToString(rc) << " for "
                      << hexed
                      << (p ? "\n  decoded: " + testing::PrintToString(*p) : std::string(" (nullopt)"));
    } catch (const ProtocolError& e) {
        EXPECT_EQ(e.code(), rc) << "StreamDecoder what(): " << e.what() << "\n  bytes: " << hexed;
    }
}

inline constexpr ProtocolVersion kAllVersions[] = {ProtocolVersion::V31, ProtocolVersion::V311,
                                                   ProtocolVersion::V5};
inline constexpr ProtocolVersion kV3Versions[] = {ProtocolVersion::V31, ProtocolVersion::V311};

inline std::string version_name(const testing::TestParamInfo<ProtocolVersion>& info) {
    switch (info.param) {
        case ProtocolVersion::V31:
            return "V31";
        case ProtocolVersion::V311:
            return "V311";
        case ProtocolVersion::V5:
            return "V5";
    }
    return "unknown";
}

}  // namespace test
}  // namespace tapmq::mqtt
