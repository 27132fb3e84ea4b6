// A PUBLISH encoded once and written for many subscribers. Topic, payload and the properties that
// travel unchanged (payload format, content type, response topic, correlation data, user properties)
// are serialised at construction; each delivery patches only what differs per subscriber: QoS,
// packet id, DUP, RETAIN, the protocol version, subscription identifiers, topic alias, the
// remaining message expiry interval, and a prefix of the topic left out (a mount point).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "packets.hpp"

namespace tapmq::mqtt {

struct Delivery {
    ProtocolVersion version = ProtocolVersion::V5;
    QoS qos = QoS::AtMostOnce;
    bool retain = false;
    bool dup = false;
    std::uint16_t packet_id = 0;                        // ignored at QoS 0
    std::span<const std::uint32_t> subscription_ids{};  // MQTT 5 only
    std::uint16_t topic_alias = 0;                      // MQTT 5 only; 0 = none
    bool omit_topic = false;                            // alias already known to the receiver
    std::uint16_t topic_skip = 0;  // leading topic bytes not sent (a listener's mount point); < topic size
    std::optional<std::uint32_t> message_expiry;  // remaining seconds, MQTT 5 only
};

class PublishTemplate {
  public:
    // Copies everything it needs from `p` (which may point into a transient buffer). The packet's
    // topic alias, subscription identifiers and message expiry are not part of the template.
    explicit PublishTemplate(const Publish& p);
    PublishTemplate(const PublishTemplate&) = delete;  // properties() views point into the object
    PublishTemplate& operator=(const PublishTemplate&) = delete;

    std::string_view topic() const noexcept { return std::string_view(data_).substr(0, topic_size_); }
    std::string_view payload() const noexcept;
    // Properties decoded from the stored bytes (views into this template).
    Properties properties() const;
    bool has_properties() const noexcept { return props_size_ != 0; }
    // The serialised common properties (no length prefix), e.g. to store the message.
    std::string_view property_block() const noexcept { return body().substr(prefix_size_, props_size_); }

    // The encoded size for this delivery. Added properties (subscription identifiers, topic alias,
    // message expiry) can push a packet that arrived at the maximum size past kMaxPacketSize: the
    // result is then above kMaxPacketSize and the delivery must be dropped, never written.
    std::size_t size(const Delivery& d) const noexcept;
    // Writes exactly size(d) bytes at `out` (size(d) <= kMaxPacketSize) and returns the end.
    // append() throws std::length_error for a delivery that does not fit.
    char* write(const Delivery& d, char* out) const noexcept;
    void append(const Delivery& d, std::string& out) const;

  private:
    std::string_view body() const noexcept { return std::string_view(data_).substr(topic_size_); }

    // The topic name, then the body:
    // [varint length][properties A][B][C][payload]: the common v5 properties split where the
    // per-delivery ones slot in, so every delivery writes all properties in identifier order.
    // A = payload format indicator (0x01); message expiry (0x02) goes after it;
    // B = content type, response topic, correlation data (0x03..0x09); subscription ids (0x0B) and
    //     topic alias (0x23) go after it;
    // C = user properties (0x26).
    std::string data_;
    std::size_t topic_size_ = 0;
    std::size_t prefix_size_ = 0;
    std::size_t a_size_ = 0;
    std::size_t b_size_ = 0;
    std::size_t c_size_ = 0;
    std::size_t props_size_ = 0;  // a + b + c
};

}  // namespace tapmq::mqtt
