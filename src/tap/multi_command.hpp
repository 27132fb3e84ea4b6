// Multi-command (tap-protocol.md §1, §3): several TapRequests in the payload of one POST /1024//89,
// and the replies to them in one TapResponse's data.
//
// Request payload: items `u16 len ‖ TapRequest ‖ u8 expected code`, len counting the TapRequest
// bytes only. Reply data: `u16 len ‖ TapResponse` per item answered.
// What the executor does with the expected code (for instance stop at the first answer that
// differs) is the executor's decision, not this codec's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "frame.hpp"

namespace tapmq::tap {

inline const Path kMultiCommandPath{1024, std::nullopt, 89};

struct MultiCommandItem {
    TapRequest request;
    ResultCode expected = ResultCode::Content;

    bool operator==(const MultiCommandItem&) const = default;
};

// Throws ProtocolError(0x80) for an item whose TapRequest exceeds 65535 bytes.
std::string encode_multi_command(const std::vector<MultiCommandItem>& items);
// Throws ProtocolError (0x80, or what decode_request throws for an item) for an empty payload, a
// truncated item, a len below 7, or bytes after the last item. Messages name the item (from 1).
std::vector<MultiCommandItem> decode_multi_command(std::string_view payload);

std::string encode_multi_response(const std::vector<TapResponse>& responses);
// Throws ProtocolError(0x80) for a truncated item or a len of 0. Empty data gives no responses.
std::vector<TapResponse> decode_multi_response(std::string_view data);

}  // namespace tapmq::tap
