// What a client asks for when it connects.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mqtt/packets.hpp"

namespace tapmq::client {

struct WillOptions {
    std::string topic;
    std::string payload;
    mqtt::QoS qos = mqtt::QoS::AtMostOnce;
    bool retain = false;
    mqtt::Properties properties;  // MQTT 5 Will Properties; views need only outlive Client::connect()
};

// MQTT 5 enhanced authentication (spec 4.12), the client's side of one method: the Authentication
// Data of the CONNECT, the answer to each AUTH 0x18 from the broker, and the check of the final data
// the broker sends with CONNACK 0x00 (a method that proves the broker, like SCRAM, fails there when
// the proof is wrong). Used once per connect().
class EnhancedAuth {
  public:
    virtual ~EnhancedAuth() = default;
    virtual std::string method() const = 0;
    virtual std::string initial_data() = 0;
    // The data of the next AUTH 0x18; nullopt refuses the broker's challenge (see error()).
    virtual std::optional<std::string> respond(std::string_view server_data) = 0;
    virtual bool verify_success(std::string_view server_data) = 0;
    virtual std::string error() const = 0;
};

struct ConnectOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    mqtt::ProtocolVersion version = mqtt::ProtocolVersion::V311;
    std::string client_id;  // empty: the broker assigns one (MQTT 5) or accepts none (3.1.1, clean start)
    bool clean_start = true;
    std::uint16_t keep_alive = 60;  // seconds, 0 = no keep alive
    std::optional<std::string> username;
    std::optional<std::string> password;
    mqtt::Properties properties;  // MQTT 5 CONNECT properties; views need only outlive Client::connect()
    std::optional<WillOptions> will;
    std::shared_ptr<EnhancedAuth> auth;  // MQTT 5 only; null = none

    std::chrono::milliseconds connect_timeout{10'000};  // TCP connect through CONNACK
    std::uint16_t max_inflight = 65'000;                // local cap on outgoing QoS 1/2 in flight
    std::size_t read_buffer_size = 16 * 1024;           // initial; grows for large packets and bursts
    std::size_t max_read_buffer_size = 256 * 1024;  // growth for bursts stops here (not for one big packet)
    std::uint32_t max_packet_size = mqtt::kMaxPacketSize;  // largest packet accepted from the broker
    // Manual acknowledgement, for a program that relays messages between two brokers (a bridge) and
    // may acknowledge only once the other side has: an incoming QoS 1/2 PUBLISH is delivered every
    // time it arrives (DUP re-sends too) and answered only by Client::acknowledge(); an incoming
    // PUBREL goes to the on_pubrel handler and is answered by Client::complete_incoming(); an
    // outgoing QoS 2 PUBLISH completes at PUBREC (its PUBREL is the caller's Client::resend_pubrel).
    // Identifiers of publish_with_id() may then be any of 1..65535. Default: automatic.
    bool manual_acks = false;
    // MQTT 3.x: announce a bridge (protocol level | 0x80, Mosquitto's try_private): the broker then
    // sends it none of its own messages back and keeps their retain flag.
    bool bridge = false;
};

// What the broker granted in CONNACK (MQTT 5 properties, or their defaults).
struct ServerInfo {
    bool session_present = false;
    std::uint16_t receive_maximum = 65'535;
    mqtt::QoS maximum_qos = mqtt::QoS::ExactlyOnce;
    bool retain_available = true;
    std::uint32_t maximum_packet_size = mqtt::kMaxPacketSize;
    std::uint16_t topic_alias_maximum = 0;
    bool wildcard_available = true;
    bool subscription_ids_available = true;
    bool shared_available = true;
    std::optional<std::uint16_t> server_keep_alive;
    std::string assigned_client_id;
};

}  // namespace tapmq::client
