// Object 1027: connect and disconnect the target (POST //3, //4) and raw memory access (//33: GET
// reads, PUT writes; `u32 address ‖ u32 word count ‖ u8 word size`, followed on a PUT by exactly
// count × size bytes). Admin only: raw memory bypasses every variable's access and rights.
#include "objects.hpp"

namespace tapmq::relay::detail {

namespace {

MemoryAccess parse_access(const Call& c, std::uint32_t max_bytes, std::uint32_t& bytes) {
    const std::string_view p = c.payload();
    if (p.size() < 9) {
        tap::bad_request("a memory access is u32 address, u32 word count, u8 word size (9 bytes), " +
                         std::to_string(p.size()) + " given");
    }
    MemoryAccess a{load_u32(p, 0), load_u32(p, 4), static_cast<std::uint8_t>(p[8])};
    auto n = a.byte_count();
    if (!n) {
        throw tap::ProtocolError(tap::ResultCode::TargetWrongParam, a.check().message);
    }
    if (*n > max_bytes) {
        tap::bad_request("a memory access of " + std::to_string(*n) + " bytes is larger than the " +
                         std::to_string(max_bytes) + " a request may move");
    }
    const std::size_t expected = c.request.method == tap::Method::Put ? 9 + *n : 9;
    if (p.size() != expected) {
        tap::bad_request("a memory " + std::string(c.request.method == tap::Method::Put ? "write" : "read") +
                         " of " + std::to_string(*n) + " bytes is " + std::to_string(expected) +
                         " bytes of payload, " + std::to_string(p.size()) + " given");
    }
    bytes = *n;
    return a;
}

tap::TapResponse memory(Call& c) {
    std::uint32_t n = 0;
    const MemoryAccess a = parse_access(c, c.s.options.max_memory_read_bytes, n);
    if (auto e = c.s.ensure_connected()) return target_failure(e);
    if (c.request.method == tap::Method::Get) {
        std::string out(n, '\0');
        if (auto e = c.s.target.read_memory(a.address, std::as_writable_bytes(std::span<char>(out))))
            return target_failure(e);
        return content(std::move(out));
    }
    const std::string_view data = c.payload().substr(9);
    if (auto e = c.s.target.write_memory(a.address, std::as_bytes(std::span<const char>(data))))
        return target_failure(e);
    return changed();
}

}  // namespace

std::optional<Route> route_target(const ProcessorState&, const tap::Path& path) {
    if (path.instance || !path.resource) return std::nullopt;
    switch (*path.resource) {
        case 3:
            return Route{kPost, admin_only,
                         [](Call& c) {
                             expect_empty(c);
                             c.s.target_wanted = true;
                             if (auto e = c.s.target.connect()) return target_failure(e);
                             return changed();
                         },
                         "connect the target (/1027//3)"};
        case 4:
            return Route{kPost, admin_only,
                         [](Call& c) {
                             expect_empty(c);
                             c.s.target_wanted = false;
                             c.s.target.disconnect();
                             return changed();
                         },
                         "disconnect the target (/1027//4)"};
        case 33:
            return Route{kGet | kPut, admin_only, memory, "the target's memory (/1027//33)"};
        default:
            return std::nullopt;
    }
}

}  // namespace tapmq::relay::detail
