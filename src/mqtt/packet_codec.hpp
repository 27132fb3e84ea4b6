// Internal: the wire format of each packet body, both ways. decoder.cpp and encoder.cpp dispatch here.
// Each decode_* reads the whole body and throws ProtocolError on any violation; each body_size is
// exact for the matching write_body.
#pragma once

#include "byte_reader.hpp"
#include "byte_writer.hpp"
#include "packets.hpp"

namespace tapmq::mqtt::detail {

Connect decode_connect(ByteReader& in);
std::size_t body_size(const Connect& p, ProtocolVersion v);
void write_body(const Connect& p, ProtocolVersion v, ByteWriter& out);

Connack decode_connack(ByteReader& in, ProtocolVersion v);
std::size_t body_size(const Connack& p, ProtocolVersion v);
void write_body(const Connack& p, ProtocolVersion v, ByteWriter& out);

// Decodes into `p`, which must be default-constructed: the hot path builds the packet in place.
void decode_publish(std::uint8_t flags, ByteReader& in, ProtocolVersion v, Publish& p);
std::size_t body_size(const Publish& p, ProtocolVersion v);
void write_body(const Publish& p, ProtocolVersion v, ByteWriter& out);
std::uint8_t publish_flags(bool dup, QoS qos, bool retain) noexcept;

template <PacketType T>
void decode_publish_response(ByteReader& in, ProtocolVersion v, PublishResponse<T>& r);
template <PacketType T>
std::size_t body_size(const PublishResponse<T>& p, ProtocolVersion v);
template <PacketType T>
void write_body(const PublishResponse<T>& p, ProtocolVersion v, ByteWriter& out);

Subscribe decode_subscribe(ByteReader& in, ProtocolVersion v);
std::size_t body_size(const Subscribe& p, ProtocolVersion v);
void write_body(const Subscribe& p, ProtocolVersion v, ByteWriter& out);

Suback decode_suback(ByteReader& in, ProtocolVersion v);
std::size_t body_size(const Suback& p, ProtocolVersion v);
void write_body(const Suback& p, ProtocolVersion v, ByteWriter& out);

Unsubscribe decode_unsubscribe(ByteReader& in, ProtocolVersion v);
std::size_t body_size(const Unsubscribe& p, ProtocolVersion v);
void write_body(const Unsubscribe& p, ProtocolVersion v, ByteWriter& out);

Unsuback decode_unsuback(ByteReader& in, ProtocolVersion v);
std::size_t body_size(const Unsuback& p, ProtocolVersion v);
void write_body(const Unsuback& p, ProtocolVersion v, ByteWriter& out);

Disconnect decode_disconnect(ByteReader& in, ProtocolVersion v);
std::size_t body_size(const Disconnect& p, ProtocolVersion v);
void write_body(const Disconnect& p, ProtocolVersion v, ByteWriter& out);

Auth decode_auth(ByteReader& in, ProtocolVersion v);
std::size_t body_size(const Auth& p, ProtocolVersion v);
void write_body(const Auth& p, ProtocolVersion v, ByteWriter& out);

inline std::size_t body_size(const Pingreq&, ProtocolVersion) {
    return 0;
}
inline void write_body(const Pingreq&, ProtocolVersion, ByteWriter&) {}
inline std::size_t body_size(const Pingresp&, ProtocolVersion) {
    return 0;
}
inline void write_body(const Pingresp&, ProtocolVersion, ByteWriter&) {}

// Property block size including its variable-length prefix.
inline std::size_t prefixed_properties_size(const Properties& p) noexcept {
    std::size_t n = properties_size(p);
    return varint_size(static_cast<std::uint32_t>(n)) + n;
}
inline void write_prefixed_properties(ByteWriter& out, const Properties& p) noexcept {
    write_properties(out, p, properties_size(p));
}

inline std::uint16_t nonzero_packet_id(ByteReader& in) {
    std::uint16_t id = in.u16();
    if (id == 0) protocol_error("packet identifier 0");
    return id;
}

}  // namespace tapmq::mqtt::detail
