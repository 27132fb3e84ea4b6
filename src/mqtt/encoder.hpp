// Encoding: packets in, bytes out. The exact size is computed first and the bytes written once.
#pragma once

#include <string>
#include <vector>

#include "packets.hpp"

namespace tapmq::mqtt {

// Total encoded size of the packet (fixed header included) for that protocol version. Every
// function here throws std::length_error when the remaining length would exceed 268,435,455 (the
// largest variable byte integer): such a packet cannot be sent.
std::size_t encoded_size(const Packet& p, ProtocolVersion v);

// Writes exactly encoded_size(p, v) bytes at `out`; returns the end of what was written.
char* encode_into(const Packet& p, ProtocolVersion v, char* out);

// Appends the encoded packet to a buffer.
void encode_append(const Packet& p, ProtocolVersion v, std::string& out);
std::string encode(const Packet& p, ProtocolVersion v);

}  // namespace tapmq::mqtt
