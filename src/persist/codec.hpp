// Key and value encoding of the store (internal). The schema is described in src/persist/README.md.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "persist/records.hpp"

namespace tapmq::persist::detail {

// First byte of every record key; also the order in which they sort.
enum class Kind : char {
    Message = 'M',
    Outgoing = 'O',
    IncomingQos2 = 'Q',
    Retained = 'R',
    Session = 'S',
    Subscription = 'U',
    Will = 'W',
};
const char* kind_name(Kind k);

inline constexpr std::string_view kMetaPrefix = "meta/";
inline constexpr std::string_view kFormatKey = "meta/format";
inline constexpr std::uint8_t kValueVersion = 1;
// Outgoing entries are written with value version 3 (flags, then only the fields present, lengths as
// varints). Versions 1 (format 1: no inline message) and 2 (fixed-width fields, written by format 2)
// are still read.
inline constexpr std::uint8_t kOutgoingValueVersion = 3;

// A key or value that cannot be decoded. what() says what is wrong, without the key kind (the caller
// adds it).
class DecodeError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// ---- keys ----
std::string message_key(std::uint64_t id);
std::string retained_key(std::string_view topic);
// kind tag + 4-byte big-endian length + client id: the key of a session or will, and the prefix of all of
// a client's subscriptions, outgoing entries or incoming QoS 2 ids.
std::string client_key(Kind kind, std::string_view client_id);
std::string subscription_key(std::string_view client_id, std::string_view filter);
std::string outgoing_key(std::string_view client_id, std::uint64_t seq);
void append_outgoing_key(std::string& out, std::string_view client_id, std::uint64_t seq);
std::string incoming_qos2_key(std::string_view client_id, std::uint16_t packet_id);
// The smallest key greater than every key that starts with `prefix` (prefix must not be all 0xff).
std::string prefix_end(std::string_view prefix);

struct ParsedKey {
    Kind kind;
    std::string_view client_id;  // Session, Subscription, Outgoing, IncomingQos2, Will
    std::string_view text;       // Retained: topic; Subscription: filter
    std::uint64_t number = 0;    // Message: id; Outgoing: seq; IncomingQos2: packet id
};
// Throws DecodeError for a key of no known kind or of the wrong shape.
ParsedKey parse_key(std::string_view key);

// ---- values: version byte, body, CRC-32C (big-endian) of version + body ----
std::string encode_message(const StoredMessage& m);
std::string encode_message(const MessageView& m);
std::string encode_session(const StoredSession& s);  // the client id is in the key only
std::string encode_subscription(std::uint8_t options, std::uint32_t identifier);
std::string encode_outgoing(const StoredOutgoing& o);
std::string encode_outgoing(const OutgoingView& o);
// The same into `out` (replacing what it held), reusing its capacity.
void encode_outgoing(const OutgoingView& o, std::string& out);
std::string encode_incoming_qos2();
std::string encode_will(const StoredWill& w);
std::string encode_format(std::uint32_t format_version);

StoredMessage decode_message(std::string_view v);
StoredSession decode_session(std::string_view v);  // client_id left empty
struct SubscriptionValue {
    std::uint8_t options;
    std::uint32_t identifier;
};
SubscriptionValue decode_subscription(std::string_view v);
StoredOutgoing decode_outgoing(std::string_view v);
void decode_incoming_qos2(std::string_view v);
StoredWill decode_will(std::string_view v);
std::uint32_t decode_format(std::string_view v);

// Throws std::invalid_argument for a value that must never be stored.
void validate_subscription_options(std::uint8_t options);

}  // namespace tapmq::persist::detail
