#include "auth/base64.hpp"

#include <array>

namespace tapmq::auth {
namespace {

constexpr std::string_view kStd = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::int8_t, 256> make_table(std::string_view alphabet) {
    std::array<std::int8_t, 256> t{};
    for (auto& v : t)
        v = -1;
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
        t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    }
    return t;
}

constexpr auto kStdTable = make_table(kStd);
constexpr auto kUrlTable = make_table(kUrl);

std::string encode(std::span<const std::uint8_t> data, std::string_view alphabet, bool pad) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(alphabet[(v >> 6) & 63]);
        out.push_back(alphabet[v & 63]);
    }
    const std::size_t rest = data.size() - i;
    if (rest == 1) {
        std::uint32_t v = std::uint32_t{data[i]} << 16;
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        if (pad) out.append("==");
    } else if (rest == 2) {
        std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(alphabet[(v >> 6) & 63]);
        if (pad) out.push_back('=');
    }
    return out;
}

std::optional<Bytes> decode(std::string_view text, const std::array<std::int8_t, 256>& table,
                            bool allow_padding) {
    std::size_t len = text.size();
    std::size_t padding = 0;
    if (len > 0 && text[len - 1] == '=') {
        if (!allow_padding) return std::nullopt;
        padding = (len > 1 && text[len - 2] == '=') ? 2 : 1;
        if (len % 4 != 0) return std::nullopt;  // padded input comes in whole quanta
        len -= padding;
    }
    if (len % 4 == 1) return std::nullopt;  // 6 bits cannot make a byte
    if (padding != 0 && (len % 4) + padding != 4) return std::nullopt;

    Bytes out;
    out.reserve(len / 4 * 3 + 2);
    std::uint32_t acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < len; ++i) {
        const std::int8_t v = table[static_cast<unsigned char>(text[i])];
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
        }
    }
    // Leftover bits (2 or 4) must be zero: a canonical encoding only.
    if (bits > 0 && (acc & ((1U << bits) - 1)) != 0) return std::nullopt;
    return out;
}

std::span<const std::uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::string base64_encode(std::span<const std::uint8_t> data) {
    return encode(data, kStd, true);
}
std::string base64_encode(std::string_view data) {
    return encode(as_bytes(data), kStd, true);
}
std::optional<Bytes> base64_decode(std::string_view text) {
    return decode(text, kStdTable, true);
}

std::string base64url_encode(std::span<const std::uint8_t> data) {
    return encode(data, kUrl, false);
}
std::string base64url_encode(std::string_view data) {
    return encode(as_bytes(data), kUrl, false);
}
std::optional<Bytes> base64url_decode(std::string_view text) {
    return decode(text, kUrlTable, false);
}

}  // namespace tapmq::auth
