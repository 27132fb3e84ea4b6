// The largest packets: every remaining length up to 268,435,455 is encoded, anything larger is
// refused (never wrapped into a shorter length or written past its buffer), and a PUBLISH that
// grows past the limit when a delivery adds properties is reported as too large.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "mqtt/byte_writer.hpp"
#include "mqtt/encoder.hpp"
#include "mqtt/publish_template.hpp"

namespace tapmq::mqtt {
namespace {

// A payload view of `n` bytes over memory that is never written: the kernel maps it lazily, so
// only what the code under test copies costs resident memory.
struct BigPayload {
    explicit BigPayload(std::size_t n) : bytes(new char[n]), size(n) {}
    std::string_view view() const { return {bytes.get(), size}; }
    std::unique_ptr<char[]> bytes;
    std::size_t size;
};

// A v5 QoS 0 PUBLISH on "t" without properties whose remaining length is `body`.
Publish publish_with_body(const BigPayload& payload) {
    Publish p;
    p.topic = "t";
    p.payload = payload.view();
    return p;
}
constexpr std::size_t kOverhead = 2 + 1 + 1;  // topic length, "t", empty property length

TEST(EncoderLimits, VarintSizeBeyondTheLargestIsFiveNeverWrapped) {
    EXPECT_EQ(varint_size(kMaxVarInt), 4u);
    EXPECT_EQ(varint_size(std::uint64_t{kMaxVarInt} + 1), 5u);
    EXPECT_EQ(varint_size(std::uint64_t{1} << 32), 5u);  // not 1, as a 32-bit truncation would say
}

TEST(EncoderLimits, LargestRemainingLengthIsEncoded) {
    BigPayload payload(kMaxVarInt - kOverhead);
    const Publish p = publish_with_body(payload);
    ASSERT_EQ(encoded_size(p, ProtocolVersion::V5), kMaxPacketSize);
    std::string out = encode(p, ProtocolVersion::V5);
    ASSERT_EQ(out.size(), kMaxPacketSize);
    EXPECT_EQ(out.substr(0, 5), std::string("\x30\xFF\xFF\xFF\x7F", 5));
    EXPECT_EQ(out.substr(5, 4), std::string("\x00\x01t\x00", 4));
}

TEST(EncoderLimits, LongerRemainingLengthIsRefused) {
    BigPayload payload(kMaxVarInt - kOverhead + 1);
    const Publish p = publish_with_body(payload);
    EXPECT_THROW(encoded_size(p, ProtocolVersion::V5), std::length_error);
    std::string out = "kept";
    EXPECT_THROW(encode_append(p, ProtocolVersion::V5, out), std::length_error);
    EXPECT_EQ(out, "kept");
}

TEST(EncoderLimits, MaximumPublishGrownByDeliveryPropertiesIsTooLarge) {
    BigPayload payload(kMaxVarInt - kOverhead);
    const PublishTemplate tmpl(publish_with_body(payload));
    Delivery plain;  // forwarded as it came: fits exactly
    EXPECT_EQ(tmpl.size(plain), kMaxPacketSize);
    Delivery v311;
    v311.version = ProtocolVersion::V311;  // no property length byte: one byte smaller
    EXPECT_EQ(tmpl.size(v311), kMaxPacketSize - 1);

    const std::uint32_t ids[] = {7};
    Delivery with_id;
    with_id.subscription_ids = ids;
    EXPECT_GT(tmpl.size(with_id), kMaxPacketSize);
    Delivery with_alias;
    with_alias.topic_alias = 1;
    EXPECT_GT(tmpl.size(with_alias), kMaxPacketSize);
    Delivery with_expiry;
    with_expiry.message_expiry = 60;
    EXPECT_GT(tmpl.size(with_expiry), kMaxPacketSize);

    std::string out = "kept";
    EXPECT_THROW(tmpl.append(with_id, out), std::length_error);
    EXPECT_EQ(out, "kept");
}

}  // namespace
}  // namespace tapmq::mqtt
