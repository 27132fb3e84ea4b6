// DISCONNECT (spec 3.14) and AUTH (spec 3.15) on the wire; PINGREQ and PINGRESP have no body.
#include "packet_codec.hpp"

namespace tapmq::mqtt::detail {
namespace {

// DISCONNECT and AUTH: optional reason code, then optional properties (both omitted means Success).
template <typename T>
T decode_reason_and_properties(ByteReader& in, PropertyContext ctx) {
    T p;
    if (in.empty()) return p;
    p.reason = static_cast<ReasonCode>(in.u8());
    if (!in.empty()) p.properties = decode_properties(in, ctx);
    return p;
}

template <typename T>
std::size_t reason_and_properties_size(const T& p) {
    if (p.reason == ReasonCode::Success && p.properties.empty()) return 0;
    return 1 + prefixed_properties_size(p.properties);
}

template <typename T>
void write_reason_and_properties(const T& p, ByteWriter& out) {
    if (p.reason == ReasonCode::Success && p.properties.empty()) return;
    out.u8(static_cast<std::uint8_t>(p.reason));
    write_prefixed_properties(out, p.properties);
}

}  // namespace

Disconnect decode_disconnect(ByteReader& in, ProtocolVersion v) {
    if (!is_v5(v)) return {};  // any body is caught as leftover bytes
    return decode_reason_and_properties<Disconnect>(in, PropertyContext::Disconnect);
}

std::size_t body_size(const Disconnect& p, ProtocolVersion v) {
    return is_v5(v) ? reason_and_properties_size(p) : 0;
}

void write_body(const Disconnect& p, ProtocolVersion v, ByteWriter& out) {
    if (is_v5(v)) write_reason_and_properties(p, out);
}

Auth decode_auth(ByteReader& in, ProtocolVersion v) {
    if (!is_v5(v)) malformed("AUTH packet before MQTT 5");
    return decode_reason_and_properties<Auth>(in, PropertyContext::Auth);
}

std::size_t body_size(const Auth& p, ProtocolVersion) {
    return reason_and_properties_size(p);
}

void write_body(const Auth& p, ProtocolVersion, ByteWriter& out) {
    write_reason_and_properties(p, out);
}

}  // namespace tapmq::mqtt::detail
