#include "persist/codec.hpp"

#include <limits>

#include "persist/crc32c.hpp"

namespace tapmq::persist::detail {
namespace {

void put_be(std::string& out, std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u8(std::string& out, std::uint8_t v) {
    out.push_back(static_cast<char>(v));
}
void put_u16(std::string& out, std::uint16_t v) {
    put_be(out, v, 2);
}
void put_u32(std::string& out, std::uint32_t v) {
    put_be(out, v, 4);
}
void put_u64(std::string& out, std::uint64_t v) {
    put_be(out, v, 8);
}
void put_i64(std::string& out, std::int64_t v) {
    put_u64(out, static_cast<std::uint64_t>(v));
}
void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}
void put_short_str(std::string& out, std::string_view s) {
    put_varint(out, s.size());
    out.append(s);
}
void put_str(std::string& out, std::string_view s) {
    if (s.size() > std::numeric_limits<std::uint32_t>::max()) throw std::invalid_argument("string too long");
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

class Reader {
  public:
    explicit Reader(std::string_view s) : s_(s) {}
    std::uint64_t be(int bytes) {
        need(static_cast<std::size_t>(bytes));
        std::uint64_t v = 0;
        for (int i = 0; i < bytes; ++i)
            v = (v << 8) | static_cast<unsigned char>(s_[pos_++]);
        return v;
    }
    std::uint8_t u8() { return static_cast<std::uint8_t>(be(1)); }
    std::uint16_t u16() { return static_cast<std::uint16_t>(be(2)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(be(4)); }
    std::uint64_t u64() { return be(8); }
    std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
    bool boolean() {
        auto b = u8();
        if (b > 1) throw DecodeError("bad boolean");
        return b == 1;
    }
    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            const std::uint8_t b = u8();
            if (shift == 63 && b > 1) break;
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw DecodeError("bad varint");
    }
    std::string_view short_str() { return take(varint()); }
    std::string_view take(std::uint64_t n) {
        need(n);
        auto v = s_.substr(pos_, n);
        pos_ += n;
        return v;
    }
    std::string_view str() {
        std::size_t n = u32();
        need(n);
        auto v = s_.substr(pos_, n);
        pos_ += n;
        return v;
    }
    std::string_view rest() {
        auto v = s_.substr(pos_);
        pos_ = s_.size();
        return v;
    }
    void end() const {
        if (pos_ != s_.size()) throw DecodeError("trailing bytes");
    }

  private:
    void need(std::size_t n) const {
        if (s_.size() - pos_ < n) throw DecodeError("truncated");
    }
    std::string_view s_;
    std::size_t pos_ = 0;
};

std::string begin_value(std::uint8_t version = kValueVersion, std::size_t reserve = 0) {
    std::string v;
    if (reserve != 0) v.reserve(1 + reserve);
    put_u8(v, version);
    return v;
}
std::string finish_value(std::string v) {
    put_u32(v, crc32c(v.data(), v.size()));
    return v;
}
// Checks the CRC and that the version is one of `first`..`last`; returns the body (and the version).
std::string_view open_value(std::string_view v, std::uint8_t* version_out = nullptr,
                            std::uint8_t first = kValueVersion, std::uint8_t last = kValueVersion) {
    if (v.size() < 5) throw DecodeError("value too short");
    auto body = v.substr(0, v.size() - 4);
    Reader crc_reader(v.substr(v.size() - 4));
    if (crc_reader.u32() != crc32c(body.data(), body.size())) throw DecodeError("checksum mismatch");
    auto version = static_cast<unsigned char>(body[0]);
    if (version < first || version > last)
        throw DecodeError("unknown value version " + std::to_string(version));
    if (version_out != nullptr) *version_out = version;
    return body.substr(1);
}

void check_qos(std::uint8_t qos) {
    if (qos > 2) throw std::invalid_argument("tapmq persist: qos > 2");
}

void write_message_body(std::string& out, const MessageView& m) {
    check_qos(m.qos);
    put_u64(out, m.id);
    put_str(out, m.topic);
    put_str(out, m.payload);
    put_u8(out, m.qos);
    put_u8(out, m.retain ? 1 : 0);
    put_str(out, m.properties);
    put_u8(out, m.expires_at_unix_ms ? 1 : 0);
    if (m.expires_at_unix_ms) put_i64(out, *m.expires_at_unix_ms);
}

StoredMessage read_message_body(Reader& r) {
    StoredMessage m;
    m.id = r.u64();
    m.topic = r.str();
    m.payload = r.str();
    m.qos = r.u8();
    if (m.qos > 2) throw DecodeError("bad qos");
    m.retain = r.boolean();
    m.properties = r.str();
    if (r.boolean()) m.expires_at_unix_ms = r.i64();
    return m;
}

std::string client_prefix(Kind kind, std::string_view client_id, std::size_t extra) {
    if (client_id.size() > std::numeric_limits<std::uint32_t>::max())
        throw std::invalid_argument("tapmq persist: client id too long");
    std::string k;
    k.reserve(1 + 4 + client_id.size() + extra);
    k.push_back(static_cast<char>(kind));
    put_u32(k, static_cast<std::uint32_t>(client_id.size()));
    k.append(client_id);
    return k;
}

}  // namespace

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::Message:
            return "message";
        case Kind::Outgoing:
            return "outgoing";
        case Kind::IncomingQos2:
            return "incoming QoS 2";
        case Kind::Retained:
            return "retained message";
        case Kind::Session:
            return "session";
        case Kind::Subscription:
            return "subscription";
        case Kind::Will:
            return "will";
    }
    return "unknown";
}

std::string message_key(std::uint64_t id) {
    std::string k(1, static_cast<char>(Kind::Message));
    put_u64(k, id);
    return k;
}

std::string retained_key(std::string_view topic) {
    std::string k(1, static_cast<char>(Kind::Retained));
    k.append(topic);
    return k;
}

std::string client_key(Kind kind, std::string_view client_id) {
    return client_prefix(kind, client_id, 0);
}

std::string subscription_key(std::string_view client_id, std::string_view filter) {
    auto k = client_prefix(Kind::Subscription, client_id, filter.size());
    k.append(filter);
    return k;
}

void append_outgoing_key(std::string& out, std::string_view client_id, std::uint64_t seq) {
    if (client_id.size() > std::numeric_limits<std::uint32_t>::max())
        throw std::invalid_argument("tapmq persist: client id too long");
    out.push_back(static_cast<char>(Kind::Outgoing));
    put_u32(out, static_cast<std::uint32_t>(client_id.size()));
    out.append(client_id);
    put_u64(out, seq);
}

std::string outgoing_key(std::string_view client_id, std::uint64_t seq) {
    std::string k;
    k.reserve(1 + 4 + client_id.size() + 8);
    append_outgoing_key(k, client_id, seq);
    return k;
}

std::string incoming_qos2_key(std::string_view client_id, std::uint16_t packet_id) {
    auto k = client_prefix(Kind::IncomingQos2, client_id, 2);
    put_u16(k, packet_id);
    return k;
}

std::string prefix_end(std::string_view prefix) {
    std::string end(prefix);
    while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff)
        end.pop_back();
    if (end.empty()) throw std::logic_error("prefix_end of an all-0xff prefix");
    end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
    return end;
}

ParsedKey parse_key(std::string_view key) {
    if (key.empty()) throw DecodeError("empty key");
    ParsedKey p{static_cast<Kind>(key[0]), {}, {}, 0};
    Reader r(key.substr(1));
    auto read_client = [&] { p.client_id = r.str(); };
    switch (p.kind) {
        case Kind::Message:
            p.number = r.u64();
            break;
        case Kind::Retained:
            p.text = r.rest();
            break;
        case Kind::Session:
        case Kind::Will:
            read_client();
            break;
        case Kind::Subscription:
            read_client();
            p.text = r.rest();
            break;
        case Kind::Outgoing:
            read_client();
            p.number = r.u64();
            break;
        case Kind::IncomingQos2:
            read_client();
            p.number = r.u16();
            break;
        default:
            throw DecodeError("unknown key kind");
    }
    r.end();
    return p;
}

std::size_t message_body_size(const MessageView& m) noexcept {
    return 8 + 4 + m.topic.size() + 4 + m.payload.size() + 2 + 4 + m.properties.size() + 1 + 8;
}

// A message record with its publisher (check_retain_source) is version 2: the body, then the
// source. Without one it stays version 1, as every store before it wrote.
constexpr std::uint8_t kMessageSourceVersion = 2;

std::string encode_message(const MessageView& m) {
    const StoredSource* src = m.source;
    const std::size_t extra = src == nullptr ? 0
                                             : 13 + src->client_id.size() + src->listener.size() +
                                                   src->username.value_or("").size();
    auto v =
        begin_value(src == nullptr ? kValueVersion : kMessageSourceVersion, message_body_size(m) + extra + 4);
    write_message_body(v, m);
    if (src != nullptr) {
        put_u8(v, src->username ? 1 : 0);
        if (src->username) put_str(v, *src->username);
        put_str(v, src->client_id);
        put_str(v, src->listener);
    }
    return finish_value(std::move(v));
}
std::string encode_message(const StoredMessage& m) {
    return encode_message(MessageView::of(m));
}

std::string encode_session(const StoredSession& s) {
    auto v = begin_value();
    put_u32(v, s.expiry_interval);
    put_u8(v, s.disconnected_at_unix_ms ? 1 : 0);
    if (s.disconnected_at_unix_ms) put_i64(v, *s.disconnected_at_unix_ms);
    return finish_value(std::move(v));
}

void validate_subscription_options(std::uint8_t options) {
    if ((options & 0x03) > 2 || ((options >> 4) & 0x03) > 2 || (options & 0xc0) != 0)
        throw std::invalid_argument("tapmq persist: bad subscription options byte");
}

std::string encode_subscription(std::uint8_t options, std::uint32_t identifier) {
    validate_subscription_options(options);
    auto v = begin_value();
    put_u8(v, options);
    put_u32(v, identifier);
    return finish_value(std::move(v));
}

// Outgoing value version 3: one flags byte, the packet id, then only what is there, lengths as
// varints. A queue record is written for every message queued for a persistent session, so its
// size is most of what the log, the memtable and its flush handle per message.
namespace outgoing_v3 {
constexpr std::uint8_t kStageShift = 3;
constexpr std::uint8_t kRetain = 1u << 2;
constexpr std::uint8_t kInline = 1u << 5;
constexpr std::uint8_t kById = 1u << 6;
constexpr std::uint8_t kExtras = 1u << 7;  // subscription ids or a share name follow
// The inline message's own flags byte.
constexpr std::uint8_t kMsgRetain = 1u << 2;
constexpr std::uint8_t kMsgExpiry = 1u << 3;
constexpr std::uint8_t kMsgProperties = 1u << 4;
constexpr std::uint8_t kMsgKnown = 0x03 | kMsgRetain | kMsgExpiry | kMsgProperties;
}  // namespace outgoing_v3

std::string encode_outgoing(const OutgoingView& o) {
    std::string v;
    encode_outgoing(o, v);
    return v;
}

void encode_outgoing(const OutgoingView& o, std::string& v) {
    using namespace outgoing_v3;
    check_qos(o.qos);
    if (o.stage > 3) throw std::invalid_argument("tapmq persist: outgoing stage > 3");
    if (o.message && o.message_id != 0)
        throw std::invalid_argument(
            "tapmq persist: an outgoing entry holds its message or names it, not both");
    if (o.message && o.message->id != 0)
        throw std::invalid_argument("tapmq persist: a message held in an outgoing entry has no id");
    if (o.message) check_qos(o.message->qos);
    const bool extras = !o.subscription_ids.empty() || !o.share.empty();
    std::size_t size = 1 + 2 + 10 + 4;
    if (extras) size += 5 + 5 * o.subscription_ids.size() + 5 + o.share.size();
    if (o.message) {
        const MessageView& m = *o.message;
        size += 1 + 5 + m.topic.size() + 5 + m.payload.size() + 5 + m.properties.size() + 8;
    }
    v.clear();
    v.reserve(1 + size);
    put_u8(v, kOutgoingValueVersion);
    std::uint8_t flags = static_cast<std::uint8_t>(o.qos | (o.stage << kStageShift));
    if (o.retain) flags |= kRetain;
    if (o.message) flags |= kInline;
    if (o.message_id != 0) flags |= kById;
    if (extras) flags |= kExtras;
    put_u8(v, flags);
    put_u16(v, o.packet_id);
    if (o.message_id != 0) put_varint(v, o.message_id);
    if (extras) {
        put_varint(v, o.subscription_ids.size());
        for (auto id : o.subscription_ids)
            put_varint(v, id);
        put_short_str(v, o.share);
    }
    if (o.message) {
        const MessageView& m = *o.message;
        std::uint8_t mflags = m.qos;
        if (m.retain) mflags |= kMsgRetain;
        if (m.expires_at_unix_ms) mflags |= kMsgExpiry;
        if (!m.properties.empty()) mflags |= kMsgProperties;
        put_u8(v, mflags);
        put_short_str(v, m.topic);
        put_short_str(v, m.payload);
        if (!m.properties.empty()) put_short_str(v, m.properties);
        if (m.expires_at_unix_ms) put_i64(v, *m.expires_at_unix_ms);
    }
    put_u32(v, crc32c(v.data(), v.size()));
}

std::string encode_outgoing(const StoredOutgoing& o) {
    MessageView m;
    return encode_outgoing(OutgoingView::of(o, m));
}

std::string encode_incoming_qos2() {
    return finish_value(begin_value());
}

std::string encode_will(const StoredWill& w) {
    auto v = begin_value();
    write_message_body(v, MessageView::of(w.msg));
    put_u32(v, w.delay);
    put_i64(v, w.due_unix_ms);
    put_u8(v, w.expiry_interval ? 1 : 0);
    if (w.expiry_interval) put_u32(v, *w.expiry_interval);
    return finish_value(std::move(v));
}

std::string encode_format(std::uint32_t format_version) {
    auto v = begin_value();
    put_u32(v, format_version);
    return finish_value(std::move(v));
}

StoredMessage decode_message(std::string_view v) {
    std::uint8_t version = 0;
    Reader r(open_value(v, &version, kValueVersion, kMessageSourceVersion));
    auto m = read_message_body(r);
    if (version == kMessageSourceVersion) {
        StoredSource src;
        if (r.boolean()) src.username = r.str();
        src.client_id = r.str();
        src.listener = r.str();
        m.source = std::move(src);
    }
    r.end();
    return m;
}

StoredSession decode_session(std::string_view v) {
    Reader r(open_value(v));
    StoredSession s;
    s.expiry_interval = r.u32();
    if (r.boolean()) s.disconnected_at_unix_ms = r.i64();
    r.end();
    return s;
}

SubscriptionValue decode_subscription(std::string_view v) {
    Reader r(open_value(v));
    SubscriptionValue s{r.u8(), 0};
    s.identifier = r.u32();
    r.end();
    try {
        validate_subscription_options(s.options);
    } catch (const std::invalid_argument&) {
        throw DecodeError("bad options byte");
    }
    return s;
}

namespace {

// Value versions 1 (format 1) and 2: fixed-width fields.
StoredOutgoing decode_outgoing_fixed(Reader& r, std::uint8_t version, std::size_t value_size) {
    StoredOutgoing o;
    o.message_id = r.u64();
    o.qos = r.u8();
    if (o.qos > 2) throw DecodeError("bad qos");
    o.retain = r.boolean();
    o.stage = r.u8();
    if (o.stage > 3) throw DecodeError("bad stage");
    o.packet_id = r.u16();
    std::uint32_t n = r.u32();
    if (n > value_size / 4) throw DecodeError("truncated");
    o.subscription_ids.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i)
        o.subscription_ids.push_back(r.u32());
    o.share = r.str();
    if (version >= 2 && r.boolean()) {
        o.message = read_message_body(r);
        if (o.message_id != 0) throw DecodeError("message both inline and by id");
        if (o.message->id != 0) throw DecodeError("inline message with an id");
    }
    return o;
}

StoredOutgoing decode_outgoing_v3(Reader& r, std::size_t value_size) {
    using namespace outgoing_v3;
    StoredOutgoing o;
    const std::uint8_t flags = r.u8();
    o.qos = flags & 0x03;
    if (o.qos > 2) throw DecodeError("bad qos");
    o.retain = (flags & kRetain) != 0;
    o.stage = (flags >> kStageShift) & 0x03;
    o.packet_id = r.u16();
    if ((flags & kInline) != 0 && (flags & kById) != 0) throw DecodeError("message both inline and by id");
    if ((flags & kById) != 0) {
        o.message_id = r.varint();
        if (o.message_id == 0) throw DecodeError("message id 0");
    }
    if ((flags & kExtras) != 0) {
        const std::uint64_t n = r.varint();
        if (n > value_size) throw DecodeError("truncated");
        o.subscription_ids.reserve(n);
        for (std::uint64_t i = 0; i < n; ++i) {
            const std::uint64_t id = r.varint();
            if (id > std::numeric_limits<std::uint32_t>::max()) throw DecodeError("bad subscription id");
            o.subscription_ids.push_back(static_cast<std::uint32_t>(id));
        }
        o.share = r.short_str();
    }
    if ((flags & kInline) != 0) {
        const std::uint8_t mflags = r.u8();
        if ((mflags & ~kMsgKnown) != 0 || (mflags & 0x03) > 2) throw DecodeError("bad message flags");
        StoredMessage m;
        m.qos = mflags & 0x03;
        m.retain = (mflags & kMsgRetain) != 0;
        m.topic = r.short_str();
        m.payload = r.short_str();
        if ((mflags & kMsgProperties) != 0) m.properties = r.short_str();
        if ((mflags & kMsgExpiry) != 0) m.expires_at_unix_ms = r.i64();
        o.message = std::move(m);
    }
    return o;
}

}  // namespace

StoredOutgoing decode_outgoing(std::string_view v) {
    std::uint8_t version = 0;
    Reader r(open_value(v, &version, kValueVersion, kOutgoingValueVersion));
    StoredOutgoing o =
        version >= 3 ? decode_outgoing_v3(r, v.size()) : decode_outgoing_fixed(r, version, v.size());
    r.end();
    return o;
}

void decode_incoming_qos2(std::string_view v) {
    Reader(open_value(v)).end();
}

StoredWill decode_will(std::string_view v) {
    Reader r(open_value(v));
    StoredWill w;
    w.msg = read_message_body(r);
    w.delay = r.u32();
    w.due_unix_ms = r.i64();
    if (r.boolean()) w.expiry_interval = r.u32();
    r.end();
    return w;
}

std::uint32_t decode_format(std::string_view v) {
    Reader r(open_value(v));
    auto f = r.u32();
    r.end();
    return f;
}

}  // namespace tapmq::persist::detail
