// Codec micro-benchmarks. Every iteration handles exactly one packet (or one topic match), so the
// Time column reads as ns per packet and items_per_second as packets per second.
//
//   build/release/bench/bench_codec --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/decoder.hpp"
#include "mqtt/encoder.hpp"
#include "mqtt/publish_template.hpp"
#include "mqtt/topic.hpp"

namespace {

using namespace tapmq::mqtt;
using V = ProtocolVersion;

constexpr std::string_view kTopic = "IOTIZE_DEV/1234_DEV/data";
constexpr std::string_view kPayload = "0123456789abcdef";  // 16 bytes

Packet small_publish(QoS qos) {
    Publish p;
    p.topic = kTopic;
    p.payload = kPayload;
    p.qos = qos;
    p.packet_id = qos == QoS::AtMostOnce ? 0 : 42;
    return p;
}

Packet subscribe(int filters) {
    static constexpr std::array<std::string_view, 5> kFilters = {
        "IOTIZE_DEV/+/data", "IOTIZE_DEV/1234_DEV/#", "sensors/+/temperature", "$SYS/broker/#", "a/b/c/d"};
    Subscribe s;
    s.packet_id = 7;
    for (int i = 0; i < filters; ++i) {
        s.topics.push_back({kFilters[static_cast<std::size_t>(i)], {QoS::AtLeastOnce}});
    }
    return s;
}

Packet connect_v311() {
    Connect c;
    c.version = V::V311;
    c.client_id = "IOTIZE_DEV_1234";
    c.keep_alive = 60;
    c.username = "device-1234";
    c.password = "s3cr3t-passw0rd";
    return c;
}

Packet connect_v5() {
    Connect c;
    c.version = V::V5;
    c.client_id = "IOTIZE_DEV_1234";
    c.keep_alive = 60;
    c.username = "device-1234";
    c.password = "s3cr3t-passw0rd";
    c.properties.session_expiry_interval = 3600;
    c.properties.receive_maximum = 100;
    c.properties.maximum_packet_size = 1 << 20;
    c.properties.topic_alias_maximum = 16;
    c.properties.user_properties = {{"fw", "1.4.2"}};
    return c;
}

void set_counters(benchmark::State& state, std::size_t bytes_per_packet) {
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes_per_packet));
}

// StreamDecoder::next on a buffer holding one packet, into one reused Packet as the broker's and
// the client's read loops do: fixed header, body, vectors it needs.
void BM_Decode(benchmark::State& state, Packet packet, V version) {
    const std::string wire = encode(packet, version);
    StreamDecoder decoder;
    decoder.set_version(version);
    Packet p;
    for (auto _ : state) {
        std::string_view buffer = wire;
        const bool decoded = decoder.next(buffer, p);
        benchmark::DoNotOptimize(p);
        if (!decoded || !buffer.empty()) std::abort();
    }
    set_counters(state, wire.size());
}

// encode_append into a reused output buffer (size computation + one write).
void BM_Encode(benchmark::State& state, Packet packet, V version) {
    std::string out;
    out.reserve(4096);
    for (auto _ : state) {
        out.clear();
        encode_append(packet, version, out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_counters(state, encoded_size(packet, version));
}

// PublishTemplate::write for one subscriber into a reused buffer.
void BM_TemplateWrite(benchmark::State& state, V version, QoS qos, bool with_sub_id) {
    const Packet source = small_publish(QoS::AtMostOnce);
    const PublishTemplate tmpl(std::get<Publish>(source));
    static constexpr std::uint32_t kSubIds[] = {12};
    Delivery d;
    d.version = version;
    d.qos = qos;
    d.packet_id = 1;
    if (with_sub_id) d.subscription_ids = kSubIds;
    std::array<char, 256> out{};
    for (auto _ : state) {
        char* end = tmpl.write(d, out.data());
        benchmark::DoNotOptimize(end);
        benchmark::ClobberMemory();
        d.packet_id = static_cast<std::uint16_t>(d.packet_id % 65535 + 1);
    }
    set_counters(state, tmpl.size(d));
}

void BM_TopicMatches(benchmark::State& state, std::string_view filter, std::string_view name, bool expected) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(filter);
        benchmark::DoNotOptimize(name);
        bool m = topic_matches(filter, name);
        benchmark::DoNotOptimize(m);
        if (m != expected) std::abort();
    }
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(BM_Decode, publish_qos0_v311, small_publish(QoS::AtMostOnce), V::V311);
BENCHMARK_CAPTURE(BM_Decode, publish_qos1_v311, small_publish(QoS::AtLeastOnce), V::V311);
BENCHMARK_CAPTURE(BM_Decode, publish_qos0_v5, small_publish(QoS::AtMostOnce), V::V5);
BENCHMARK_CAPTURE(BM_Decode, publish_qos1_v5, small_publish(QoS::AtLeastOnce), V::V5);
BENCHMARK_CAPTURE(BM_Decode, subscribe_1_v311, subscribe(1), V::V311);
BENCHMARK_CAPTURE(BM_Decode, subscribe_5_v311, subscribe(5), V::V311);
BENCHMARK_CAPTURE(BM_Decode, subscribe_1_v5, subscribe(1), V::V5);
BENCHMARK_CAPTURE(BM_Decode, subscribe_5_v5, subscribe(5), V::V5);
BENCHMARK_CAPTURE(BM_Decode, connect_v311_userpass, connect_v311(), V::V311);
BENCHMARK_CAPTURE(BM_Decode, connect_v5_props, connect_v5(), V::V5);

BENCHMARK_CAPTURE(BM_Encode, publish_qos0_v311, small_publish(QoS::AtMostOnce), V::V311);
BENCHMARK_CAPTURE(BM_Encode, publish_qos1_v311, small_publish(QoS::AtLeastOnce), V::V311);
BENCHMARK_CAPTURE(BM_Encode, publish_qos0_v5, small_publish(QoS::AtMostOnce), V::V5);
BENCHMARK_CAPTURE(BM_Encode, publish_qos1_v5, small_publish(QoS::AtLeastOnce), V::V5);
BENCHMARK_CAPTURE(BM_Encode, subscribe_1_v311, subscribe(1), V::V311);
BENCHMARK_CAPTURE(BM_Encode, subscribe_5_v311, subscribe(5), V::V311);
BENCHMARK_CAPTURE(BM_Encode, subscribe_1_v5, subscribe(1), V::V5);
BENCHMARK_CAPTURE(BM_Encode, subscribe_5_v5, subscribe(5), V::V5);
BENCHMARK_CAPTURE(BM_Encode, connect_v311_userpass, connect_v311(), V::V311);
BENCHMARK_CAPTURE(BM_Encode, connect_v5_props, connect_v5(), V::V5);

BENCHMARK_CAPTURE(BM_TemplateWrite, qos0_v311, V::V311, QoS::AtMostOnce, false);
BENCHMARK_CAPTURE(BM_TemplateWrite, qos1_v311, V::V311, QoS::AtLeastOnce, false);
BENCHMARK_CAPTURE(BM_TemplateWrite, qos0_v5, V::V5, QoS::AtMostOnce, false);
BENCHMARK_CAPTURE(BM_TemplateWrite, qos1_v5_subid, V::V5, QoS::AtLeastOnce, true);

BENCHMARK_CAPTURE(BM_TopicMatches, exact, "IOTIZE_DEV/1234_DEV/data", "IOTIZE_DEV/1234_DEV/data", true);
BENCHMARK_CAPTURE(BM_TopicMatches, plus, "IOTIZE_DEV/+/data", "IOTIZE_DEV/1234_DEV/data", true);
BENCHMARK_CAPTURE(BM_TopicMatches, hash, "IOTIZE_DEV/#", "IOTIZE_DEV/1234_DEV/data", true);
BENCHMARK_CAPTURE(BM_TopicMatches, miss_last_level, "IOTIZE_DEV/+/status", "IOTIZE_DEV/1234_DEV/data", false);
BENCHMARK_CAPTURE(BM_TopicMatches, dollar_vs_hash, "#", "$SYS/broker/uptime", false);
