// Address ranges in CIDR notation ("10.0.0.0/8", "::1/128", a bare address = one host), for the
// per-listener allow lists of the HTTP endpoints (http_metrics_allow). Pure, header-only: the
// configuration parser checks the syntax with it and the HTTP service matches peers with it.
#pragma once

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tapmq::broker::http {

struct Cidr {
    boost::asio::ip::address network;
    unsigned prefix = 0;  // bits; 32 (IPv4) or 128 (IPv6) for one host
};

// nullopt when `text` is not ADDRESS or ADDRESS/BITS with BITS within the family's width.
inline std::optional<Cidr> parse_cidr(std::string_view text) {
    const auto slash = text.find('/');
    boost::system::error_code ec;
    const auto addr = boost::asio::ip::make_address(std::string(text.substr(0, slash)), ec);
    if (ec) return std::nullopt;
    const unsigned width = addr.is_v4() ? 32 : 128;
    unsigned prefix = width;
    if (slash != std::string_view::npos) {
        const std::string_view bits = text.substr(slash + 1);
        if (bits.empty() || bits.size() > 3) return std::nullopt;
        prefix = 0;
        for (char ch : bits) {
            if (ch < '0' || ch > '9') return std::nullopt;
            prefix = prefix * 10 + static_cast<unsigned>(ch - '0');
        }
        if (prefix > width) return std::nullopt;
    }
    return Cidr{addr, prefix};
}

// Whether `peer` is inside `range`. An IPv4-mapped IPv6 peer (::ffff:a.b.c.d, what a dual-stack
// socket reports) matches IPv4 ranges as its IPv4 address.
inline bool cidr_contains(const Cidr& range, boost::asio::ip::address peer) {
    if (peer.is_v6() && peer.to_v6().is_v4_mapped() && range.network.is_v4()) {
        peer = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, peer.to_v6());
    }
    if (peer.is_v4() != range.network.is_v4()) return false;
    auto bytes_of = [](const boost::asio::ip::address& a) {
        std::array<unsigned char, 16> out{};
        if (a.is_v4()) {
            const auto b = a.to_v4().to_bytes();
            std::copy(b.begin(), b.end(), out.begin());
        } else {
            out = a.to_v6().to_bytes();
        }
        return out;
    };
    const auto n = bytes_of(range.network);
    const auto p = bytes_of(peer);
    unsigned bits = range.prefix;
    for (std::size_t i = 0; bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
        const unsigned take = bits >= 8 ? 8 : bits;
        const auto mask = static_cast<unsigned char>(0xFF00u >> take);
        if ((n[i] & mask) != (p[i] & mask)) return false;
    }
    return true;
}

}  // namespace tapmq::broker::http
