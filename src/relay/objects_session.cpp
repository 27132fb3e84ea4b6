// Object 1024, resources 0 to 2: login, logout, the current profile.
#include "objects.hpp"
#include "tap/password_hash.hpp"

namespace tapmq::relay::detail {

namespace {

tap::TapResponse login(Call& c) {
    const tap::LoginRequest req = tap::decode_login(c.payload());  // 0x80 when malformed
    const tap::Profile* p = c.project().profile(req.user);
    // A failed login leaves the requester anonymous: it asked to be someone else.
    if (!p || !p->password_hash || !tap::hash_equal(*p->password_hash, req.hash)) {
        c.s.sessions.logout(c.requester);
        return answer(tap::ResultCode::Unauthorized, p && p->password_hash
                                                         ? "wrong password for " + req.user
                                                         : "no profile " + req.user + " to log in as");
    }
    c.s.sessions.login(c.requester, p->id, c.now.steady);
    return changed();
}

}  // namespace

std::optional<Route> route_session(const ProcessorState&, const tap::Path& path) {
    if (path.instance || !path.resource) return std::nullopt;
    switch (*path.resource) {
        case 0:
            return Route{kPost, anyone, login, "login (/1024//0)"};
        case 1:
            return Route{kPost, anyone,
                         [](Call& c) {
                             expect_empty(c);
                             c.s.sessions.logout(c.requester);
                             return changed();
                         },
                         "logout (/1024//1)"};
        case 2:
            return Route{kGet, anyone,
                         [](Call& c) {
                             expect_empty(c);
                             return content(u16_bytes(c.profile));
                         },
                         "the current profile (/1024//2)"};
        default:
            return std::nullopt;
    }
}

}  // namespace tapmq::relay::detail
