// MQTT 5 properties (spec 2.2.2): every identifier, its data type, the packets it may appear in,
// and a container holding one decoded property set as views into the packet buffer.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tapmq::mqtt {

class ByteReader;
class ByteWriter;

enum class PropertyId : std::uint8_t {
    PayloadFormatIndicator = 0x01,
    MessageExpiryInterval = 0x02,
    ContentType = 0x03,
    ResponseTopic = 0x08,
    CorrelationData = 0x09,
    SubscriptionIdentifier = 0x0B,
    SessionExpiryInterval = 0x11,
    AssignedClientIdentifier = 0x12,
    ServerKeepAlive = 0x13,
    AuthenticationMethod = 0x15,
    AuthenticationData = 0x16,
    RequestProblemInformation = 0x17,
    WillDelayInterval = 0x18,
    RequestResponseInformation = 0x19,
    ResponseInformation = 0x1A,
    ServerReference = 0x1C,
    ReasonString = 0x1F,
    ReceiveMaximum = 0x21,
    TopicAliasMaximum = 0x22,
    TopicAlias = 0x23,
    MaximumQoS = 0x24,
    RetainAvailable = 0x25,
    UserProperty = 0x26,
    MaximumPacketSize = 0x27,
    WildcardSubscriptionAvailable = 0x28,
    SubscriptionIdentifierAvailable = 0x29,
    SharedSubscriptionAvailable = 0x2A,
};

// Where a property set sits: a packet type, or the Will Properties inside CONNECT.
enum class PropertyContext : std::uint8_t {
    Connect,
    Connack,
    Publish,
    Will,
    Puback,
    Pubrec,
    Pubrel,
    Pubcomp,
    Subscribe,
    Suback,
    Unsubscribe,
    Unsuback,
    Disconnect,
    Auth,
};

struct UserProperty {
    std::string_view key;
    std::string_view value;
    bool operator==(const UserProperty&) const = default;
};

// One property set. Strings and binary data are views into the decoded buffer (or into memory the
// caller owns when encoding). Subscription identifiers and user properties may repeat; nothing else.
struct Properties {
    std::optional<std::uint8_t> payload_format_indicator;
    std::optional<std::uint32_t> message_expiry_interval;
    std::optional<std::string_view> content_type;
    std::optional<std::string_view> response_topic;
    std::optional<std::string_view> correlation_data;
    std::vector<std::uint32_t> subscription_identifiers;
    std::optional<std::uint32_t> session_expiry_interval;
    std::optional<std::string_view> assigned_client_identifier;
    std::optional<std::uint16_t> server_keep_alive;
    std::optional<std::string_view> authentication_method;
    std::optional<std::string_view> authentication_data;
    std::optional<std::uint8_t> request_problem_information;
    std::optional<std::uint32_t> will_delay_interval;
    std::optional<std::uint8_t> request_response_information;
    std::optional<std::string_view> response_information;
    std::optional<std::string_view> server_reference;
    std::optional<std::string_view> reason_string;
    std::optional<std::uint16_t> receive_maximum;
    std::optional<std::uint16_t> topic_alias_maximum;
    std::optional<std::uint16_t> topic_alias;
    std::optional<std::uint8_t> maximum_qos;
    std::optional<std::uint8_t> retain_available;
    std::vector<UserProperty> user_properties;
    std::optional<std::uint32_t> maximum_packet_size;
    std::optional<std::uint8_t> wildcard_subscription_available;
    std::optional<std::uint8_t> subscription_identifier_available;
    std::optional<std::uint8_t> shared_subscription_available;

    bool operator==(const Properties&) const = default;
    bool empty() const noexcept;
};

// True when the property may appear in that context (spec table 2-4).
bool property_allowed(PropertyId id, PropertyContext ctx) noexcept;

// Decodes a property length followed by the properties. Throws ProtocolError:
// MalformedPacket for unknown identifiers, placement errors, bad types and truncation;
// ProtocolError for duplicates and forbidden values (e.g. Receive Maximum 0).
Properties decode_properties(ByteReader& in, PropertyContext ctx);
// The same into `out`, which must be default-constructed (no move of the few hundred bytes).
void decode_properties(ByteReader& in, PropertyContext ctx, Properties& out);

// Bytes the properties occupy, without the length prefix.
std::size_t properties_size(const Properties& p) noexcept;
// Writes the length prefix and the properties; `size` is properties_size(p).
void write_properties(ByteWriter& out, const Properties& p, std::size_t size) noexcept;
// Writes the properties alone, in identifier order, without the length prefix.
void write_property_list(ByteWriter& out, const Properties& p) noexcept;

}  // namespace tapmq::mqtt
