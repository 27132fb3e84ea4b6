// Object 1024, resource 89: multi-command. Items run in order, each through the whole order of
// checks under the profile the requester has at that item (a login item changes it for the next
// ones); the run stops after the first item whose answer's code is not the expected one. The reply
// is 0x45 Content with one `u16 len ‖ TapResponse` per item run: fewer replies than items means it
// stopped at the last one. A multi-command inside a multi-command is 0x80.
#include "objects.hpp"
#include "tap/multi_command.hpp"

namespace tapmq::relay::detail {

std::optional<Route> route_multi(const ProcessorState&, const tap::Path& path) {
    if (path.instance || path.resource != 89) return std::nullopt;
    return Route{kPost, anyone,
                 [](Call& c) {
                     if (c.depth > 0) tap::bad_request("a multi-command cannot hold a multi-command");
                     const auto items = tap::decode_multi_command(c.payload());  // 0x80 when malformed
                     std::vector<tap::TapResponse> replies;
                     replies.reserve(items.size());
                     for (const auto& item : items) {
                         replies.push_back(c.s.handle(c.requester, item.request, c.now, c.depth + 1));
                         if (replies.back().code != item.expected) break;
                     }
                     return content(tap::encode_multi_response(replies));
                 },
                 "multi-command (/1024//89)"};
}

}  // namespace tapmq::relay::detail
