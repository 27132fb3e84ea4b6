#include "publish_template.hpp"

#include <cassert>
#include <stdexcept>

#include "byte_reader.hpp"
#include "byte_writer.hpp"
#include "packet_codec.hpp"

namespace tapmq::mqtt {

PublishTemplate::PublishTemplate(const Publish& p) : topic_size_(p.topic.size()) {
    const Properties& in = p.properties;
    if (!in.payload_format_indicator && !in.content_type && !in.response_topic && !in.correlation_data &&
        in.user_properties.empty()) {
        // Nothing to forward (every MQTT 3 message and most MQTT 5 ones): the body is an empty
        // property block and the payload.
        data_.resize(topic_size_ + 1 + p.payload.size());
        p.topic.copy(data_.data(), topic_size_);
        data_[topic_size_] = 0;
        p.payload.copy(data_.data() + topic_size_ + 1, p.payload.size());
        prefix_size_ = 1;
        return;
    }
    Properties a, b, c;
    a.payload_format_indicator = p.properties.payload_format_indicator;
    b.content_type = p.properties.content_type;
    b.response_topic = p.properties.response_topic;
    b.correlation_data = p.properties.correlation_data;
    c.user_properties = p.properties.user_properties;
    a_size_ = properties_size(a);
    b_size_ = properties_size(b);
    c_size_ = properties_size(c);
    props_size_ = a_size_ + b_size_ + c_size_;
    prefix_size_ = varint_size(static_cast<std::uint32_t>(props_size_));
    // One allocation: the topic, then the body.
    data_.resize(topic_size_ + prefix_size_ + props_size_ + p.payload.size());
    p.topic.copy(data_.data(), topic_size_);
    ByteWriter w(data_.data() + topic_size_, data_.size() - topic_size_);
    w.varint(static_cast<std::uint32_t>(props_size_));
    write_property_list(w, a);
    write_property_list(w, b);
    write_property_list(w, c);
    w.bytes(p.payload);
}

std::string_view PublishTemplate::payload() const noexcept {
    return body().substr(prefix_size_ + props_size_);
}

Properties PublishTemplate::properties() const {
    ByteReader in(body());
    return decode_properties(in, PropertyContext::Publish);
}

namespace {

std::size_t per_delivery_properties_size(const Delivery& d) noexcept {
    std::size_t n = d.message_expiry ? 5 : 0;
    for (auto id : d.subscription_ids)
        n += 1 + varint_size(id);
    if (d.topic_alias != 0) n += 3;
    return n;
}

// The topic may only be left out where a topic alias stands for it: MQTT 5 with an alias set.
bool omits_topic(const Delivery& d) noexcept {
    return d.omit_topic && d.topic_alias != 0 && is_v5(d.version);
}

struct Sizes {
    std::size_t props;  // MQTT 5 property bytes, without the prefix
    std::size_t body;   // remaining length
};

}  // namespace

static Sizes sizes_of(const Delivery& d, std::size_t topic_size, std::size_t common_props,
                      std::size_t payload) {
    Sizes s{0, 2 + (omits_topic(d) ? 0 : topic_size - d.topic_skip) + (d.qos != QoS::AtMostOnce ? 2 : 0) +
                   payload};
    if (is_v5(d.version)) {
        s.props = common_props + per_delivery_properties_size(d);
        s.body += varint_size(s.props) + s.props;
    }
    return s;
}

std::size_t PublishTemplate::size(const Delivery& d) const noexcept {
    Sizes s = sizes_of(d, topic_size_, props_size_, payload().size());
    return 1 + varint_size(s.body) + s.body;  // above kMaxPacketSize when the body does not fit
}

char* PublishTemplate::write(const Delivery& d, char* out) const noexcept {
    const std::string_view pay = payload();
    Sizes s = sizes_of(d, topic_size_, props_size_, pay.size());
    assert(s.body <= kMaxVarInt);  // callers refuse a size() above kMaxPacketSize
    ByteWriter w(out, 1 + varint_size(s.body) + s.body);
    w.u8(
        static_cast<std::uint8_t>((static_cast<unsigned>(PacketType::Publish) << 4) |
                                  detail::publish_flags(d.dup && d.qos != QoS::AtMostOnce, d.qos, d.retain)));
    w.varint(static_cast<std::uint32_t>(s.body));
    w.prefixed(omits_topic(d) ? std::string_view{} : topic().substr(d.topic_skip));
    if (d.qos != QoS::AtMostOnce) w.u16(d.packet_id);
    if (is_v5(d.version)) {
        const char* common = body().data() + prefix_size_;
        w.varint(static_cast<std::uint32_t>(s.props));
        w.bytes({common, a_size_});
        if (d.message_expiry) {
            w.u8(static_cast<std::uint8_t>(PropertyId::MessageExpiryInterval));
            w.u32(*d.message_expiry);
        }
        w.bytes({common + a_size_, b_size_});
        for (auto id : d.subscription_ids) {
            w.u8(static_cast<std::uint8_t>(PropertyId::SubscriptionIdentifier));
            w.varint(id);
        }
        if (d.topic_alias != 0) {
            w.u8(static_cast<std::uint8_t>(PropertyId::TopicAlias));
            w.u16(d.topic_alias);
        }
        w.bytes({common + a_size_ + b_size_, c_size_});
    }
    w.bytes(pay);
    return w.position();
}

void PublishTemplate::append(const Delivery& d, std::string& out) const {
    const std::size_t n = size(d);
    if (n > kMaxPacketSize) {
        throw std::length_error("PUBLISH too large for this delivery: " + std::to_string(n) +
                                " bytes, the MQTT maximum is " + std::to_string(kMaxPacketSize));
    }
    std::size_t old = out.size();
    out.resize(old + n);
    write(d, out.data() + old);
}

}  // namespace tapmq::mqtt
