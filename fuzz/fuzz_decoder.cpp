// libFuzzer target for the MQTT codec.
//
// Input layout: byte 0 selects the protocol version (low nibble mod 3: 3 -> MQTT 3.1, 4 -> 3.1.1,
// 5 -> 5.0) and how the stream arrives (high nibble: 0 = all at once, 1..14 = that many more bytes at
// a time, 15 = all at once with a 128-byte maximum packet size);
// the rest is a byte stream fed to StreamDecoder. Every packet decoded is encoded, decoded again and
// re-encoded: the packets must compare equal and the two encodings must be byte-identical. PUBLISH
// packets also go through PublishTemplate. Topic names and filters seen in the input exercise the
// topic helpers.
//
// ProtocolError is how the codec rejects input; any other exception, a sanitizer report or a failed
// CHECK is a finding.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz_check.hpp"
#include "mqtt/decoder.hpp"
#include "mqtt/encoder.hpp"
#include "mqtt/protocol_error.hpp"
#include "mqtt/publish_template.hpp"
#include "mqtt/topic.hpp"

namespace {

using namespace tapmq::mqtt;

constexpr std::size_t kMaxTopicStrings = 32;

struct TopicStrings {
    std::vector<std::string_view> names;
    std::vector<std::string_view> filters;

    void add_name(std::string_view s) {
        if (names.size() < kMaxTopicStrings) names.push_back(s);
    }
    void add_filter(std::string_view s) {
        if (filters.size() < kMaxTopicStrings) filters.push_back(s);
    }
};

// Decodes a buffer that must hold exactly one packet, as the encoder produced it.
Packet decode_exact(std::string_view bytes, ProtocolVersion v) {
    try {
        auto h = parse_fixed_header(bytes, kMaxPacketSize);
        CHECK(h.has_value());
        CHECK(h->packet_size() == bytes.size());
        return decode_packet(*h, bytes.substr(h->header_size), v);
    } catch (const ProtocolError& e) {
        ::tapmq::fuzz::check_failed(__FILE__, __LINE__, "decoder rejects what the encoder wrote:", e.what());
    }
}

// encode -> decode -> compare -> encode -> compare bytes.
void check_round_trip(const Packet& p, ProtocolVersion v) {
    const std::string first = encode(p, v);
    CHECK(first.size() == encoded_size(p, v));

    std::string into(first.size(), '\0');
    CHECK(encode_into(p, v, into.data()) == into.data() + into.size());
    CHECK(into == first);

    std::string appended = "prefix";
    encode_append(p, v, appended);
    CHECK(std::string_view(appended).substr(6) == first);

    const Packet again = decode_exact(first, v);
    CHECK(packet_type(again) == packet_type(p));
    CHECK(again == p);
    CHECK(encode(again, v) == first);
}

Properties template_properties(const Properties& p) {
    Properties common = p;
    common.topic_alias.reset();
    common.subscription_identifiers.clear();
    common.message_expiry_interval.reset();
    return common;
}

// Writes one delivery, checks size() and append(), and compares the decoded result with `expected`.
void check_delivery(const PublishTemplate& t, const Delivery& d, const Publish& expected) {
    const std::size_t n = t.size(d);
    std::string out(n, '\0');
    CHECK(t.write(d, out.data()) == out.data() + n);
    std::string appended = "xyz";
    t.append(d, appended);
    CHECK(std::string_view(appended).substr(3) == out);

    Packet decoded = decode_exact(out, d.version);
    const auto* pub = std::get_if<Publish>(&decoded);
    CHECK(pub != nullptr);
    CHECK(*pub == expected);
}

void check_publish_template(const Publish& p, ProtocolVersion v) {
    const PublishTemplate t(p);
    CHECK(t.topic() == p.topic);
    CHECK(t.payload() == p.payload);
    const Properties common = template_properties(p.properties);
    CHECK(t.properties() == common);
    CHECK(t.has_properties() == !common.empty());

    // 1. The delivery that reproduces the packet as received.
    {
        Delivery d;
        d.version = v;
        d.qos = p.qos;
        d.retain = p.retain;
        d.dup = p.dup;
        d.packet_id = p.packet_id;
        d.subscription_ids = p.properties.subscription_identifiers;
        d.topic_alias = p.properties.topic_alias.value_or(0);
        d.omit_topic = p.topic.empty();
        d.message_expiry = p.properties.message_expiry_interval;
        check_delivery(t, d, p);
    }

    // A subscriber needs the topic unless it already knows the alias.
    if (p.topic.empty()) return;

    // 2. Other versions, other QoS and flags, per-subscriber properties.
    static constexpr std::uint32_t kSubIds[] = {1, 300, kMaxVarInt};
    for (ProtocolVersion target : {ProtocolVersion::V311, ProtocolVersion::V5}) {
        Delivery d;
        d.version = target;
        d.qos = static_cast<QoS>((static_cast<int>(p.qos) + 1) % 3);
        d.retain = !p.retain;
        d.dup = d.qos != QoS::AtMostOnce && !p.dup;
        d.packet_id = d.qos == QoS::AtMostOnce ? 0 : static_cast<std::uint16_t>((p.packet_id ^ 0x5A5A) | 1);
        d.subscription_ids = std::span<const std::uint32_t>(kSubIds, 1 + p.payload.size() % 3);
        d.topic_alias = static_cast<std::uint16_t>(p.topic.size());  // 0 (none) is impossible here
        d.message_expiry = p.properties.message_expiry_interval ? std::optional<std::uint32_t>{}
                                                                : std::optional<std::uint32_t>{3600};

        Publish expected;
        expected.topic = p.topic;
        expected.payload = p.payload;
        expected.qos = d.qos;
        expected.retain = d.retain;
        expected.dup = d.dup;
        expected.packet_id = d.packet_id;
        if (is_v5(target)) {
            expected.properties = common;
            expected.properties.subscription_identifiers.assign(d.subscription_ids.begin(),
                                                                d.subscription_ids.end());
            expected.properties.topic_alias = d.topic_alias;
            expected.properties.message_expiry_interval = d.message_expiry;
        }
        check_delivery(t, d, expected);
    }
}

void collect_topics(const Packet& p, TopicStrings& topics) {
    if (const auto* pub = std::get_if<Publish>(&p)) {
        if (!pub->topic.empty()) topics.add_name(pub->topic);
    } else if (const auto* sub = std::get_if<Subscribe>(&p)) {
        for (const auto& t : sub->topics)
            topics.add_filter(t.filter);
    } else if (const auto* unsub = std::get_if<Unsubscribe>(&p)) {
        for (auto f : unsub->filters)
            topics.add_filter(f);
    } else if (const auto* c = std::get_if<Connect>(&p)) {
        if (c->will) topics.add_name(c->will->topic);
    }
}

void check_packet(const Packet& p, ProtocolVersion v, TopicStrings& topics) {
    (void)to_string(packet_type(p));
    check_round_trip(p, v);
    if (const auto* pub = std::get_if<Publish>(&p)) check_publish_template(*pub, v);
    collect_topics(p, topics);
}

// Feeds the stream to a StreamDecoder, `chunk` more bytes at a time (0: everything at once).
void decode_stream(std::string_view stream, ProtocolVersion v, std::size_t chunk, TopicStrings& topics) {
    StreamDecoder decoder;
    decoder.set_version(v);
    if (chunk == 15) {  // everything at once, under a small maximum packet size
        chunk = 0;
        decoder.set_max_packet_size(128);
    }
    std::size_t available = chunk == 0 ? stream.size() : std::min(chunk, stream.size());
    std::size_t pos = 0;
    for (;;) {
        const std::string_view before = stream.substr(pos, available - pos);
        std::string_view buffer = before;
        std::optional<Packet> packet;
        try {
            packet = decoder.next(buffer);
        } catch (const ProtocolError& e) {
            CHECK(is_error(e.code()));
            (void)to_string(e.code());
            return;  // the connection would be closed here
        }
        if (!packet) {
            CHECK(buffer.data() == before.data() && buffer.size() == before.size());
            CHECK(decoder.bytes_needed() == 0 || decoder.bytes_needed() > before.size());
            if (available == stream.size()) return;
            available = std::min(stream.size(), available + chunk);
            continue;
        }
        const std::size_t consumed = before.size() - buffer.size();
        CHECK(buffer.data() == before.data() + consumed);
        auto header = parse_fixed_header(before, kMaxPacketSize);
        CHECK(header.has_value() && header->packet_size() == consumed);
        if (const auto* c = std::get_if<Connect>(&*packet)) CHECK(decoder.version() == c->version);
        check_packet(*packet, decoder.version(), topics);
        pos += consumed;
    }
}

void check_filter(std::string_view f, const std::vector<std::string_view>& names) {
    if (!is_valid_topic_filter(f)) return;
    CHECK(!f.empty());
    std::string_view plain = f;
    if (is_shared_filter(f)) {
        const SharedFilter s = split_shared_filter(f);
        CHECK(!s.group.empty() && !has_wildcard(s.group));
        CHECK(!s.filter.empty());  // validated as a plain filter: "$share/g/$share/x" is a valid filter
        CHECK(f.size() == 7 + s.group.size() + 1 + s.filter.size());
        CHECK(f.substr(7, s.group.size()) == s.group && f.substr(f.size() - s.filter.size()) == s.filter);
        plain = s.filter;
    }
    for (auto n : names) {
        const bool m = topic_matches(plain, n);
        if (!has_wildcard(plain)) CHECK(m == (plain == n));
    }
}

void check_topics(std::string_view raw, TopicStrings& topics) {
    // Newline separated strings from the raw input serve as names and filters too.
    while (!raw.empty() && topics.filters.size() < kMaxTopicStrings) {
        const std::size_t nl = raw.find('\n');
        const std::string_view s = raw.substr(0, nl);
        topics.add_filter(s);
        topics.add_name(s);
        if (nl == std::string_view::npos) break;
        raw.remove_prefix(nl + 1);
    }

    std::vector<std::string_view> names;
    for (auto n : topics.names) {
        if (!is_valid_topic_name(n)) continue;
        CHECK(!n.empty() && !has_wildcard(n));
        names.push_back(n);
        // "#" matches every name outside the '$' topics; "+" every single-level one.
        CHECK(topic_matches("#", n) == (n[0] != '$'));
        CHECK(topic_matches("+", n) == (n[0] != '$' && n.find('/') == std::string_view::npos));
        if (!is_shared_filter(n)) {
            CHECK(is_valid_topic_filter(n));
            CHECK(topic_matches(n, n));
        }
    }
    for (auto f : topics.filters) {
        (void)has_wildcard(f);
        check_filter(f, names);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const auto version = static_cast<ProtocolVersion>(3 + (data[0] & 0x0F) % 3);
    const std::size_t chunk = data[0] >> 4;
    const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);

    TopicStrings topics;
    decode_stream(stream, version, chunk, topics);
    check_topics(stream, topics);
    return 0;
}
