// Multi-command payloads and replies.
#include "multi_command.hpp"

#include "bytes.hpp"
#include "protocol_error.hpp"

namespace tapmq::tap {

namespace {

void put_len(std::string& out, std::size_t n, const char* what) {
    if (n > 0xFFFF) bad_request(std::string(what) + " of " + std::to_string(n) + " bytes (65535 at most)");
    detail::put_u16(out, static_cast<std::uint16_t>(n));
}

std::string item_prefix(std::size_t index) {
    return "multi-command item " + std::to_string(index) + ": ";
}

}  // namespace

std::string encode_multi_command(const std::vector<MultiCommandItem>& items) {
    std::string out;
    for (const auto& item : items) {
        const std::string req = encode_request(item.request);
        put_len(out, req.size(), "multi-command TapRequest");
        out += req;
        detail::put_u8(out, static_cast<std::uint8_t>(item.expected));
    }
    return out;
}

std::vector<MultiCommandItem> decode_multi_command(std::string_view payload) {
    if (payload.empty()) bad_request("empty multi-command");
    std::vector<MultiCommandItem> items;
    detail::Reader r(payload);
    while (!r.empty()) {
        const std::size_t index = items.size() + 1;
        try {
            const std::uint16_t len = r.u16("length");
            if (len < kRequestHeaderSize) {
                bad_request("length " + std::to_string(len) + " (at least 7: method and path)");
            }
            MultiCommandItem item;
            item.request = decode_request(r.bytes(len, "TapRequest"));
            item.expected = static_cast<ResultCode>(r.u8("expected code"));
            items.push_back(std::move(item));
        } catch (const ProtocolError& e) {
            throw ProtocolError(e.code(), item_prefix(index) + e.what());
        }
    }
    return items;
}

std::string encode_multi_response(const std::vector<TapResponse>& responses) {
    std::string out;
    for (const auto& response : responses) {
        put_len(out, 1 + response.data.size(), "multi-command TapResponse");
        out += encode_response(response);
    }
    return out;
}

std::vector<TapResponse> decode_multi_response(std::string_view data) {
    std::vector<TapResponse> responses;
    detail::Reader r(data);
    while (!r.empty()) {
        const std::size_t index = responses.size() + 1;
        try {
            const std::uint16_t len = r.u16("length");
            if (len == 0) bad_request("length 0 (a result code is needed)");
            responses.push_back(decode_response(r.bytes(len, "TapResponse")));
        } catch (const ProtocolError& e) {
            throw ProtocolError(e.code(), "multi-command reply " + std::to_string(index) + ": " + e.what());
        }
    }
    return responses;
}

}  // namespace tapmq::tap
