// libFuzzer target for the broker's side of SCRAM-SHA-256 (src/auth/scram.cpp): the Authentication
// Data of CONNECT and AUTH packets comes from the network.
//
// Input: [selector byte][client-first]\0[client-final]. The selector picks a known or an unknown
// user name for a well-formed client-first message (so that fuzzing reaches client_final) or takes
// the input's client-first as it is. Any exception, a sanitizer report or a failed CHECK is a
// finding. Checked: a refused message moves the server to Failed with an "e=" message; success is
// impossible (the fuzzer does not know the password) and nothing is accepted after an error.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/scram.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace tapmq::auth;

const ScramCredentials& known_credentials() {
    static const ScramCredentials c = [] {
        const std::uint8_t salt[] = {1, 2, 3, 4, 5, 6, 7, 8};
        return ScramCredentials::from_password("not guessable by a fuzzer", salt, 1);
    }();
    return c;
}

void check_step(const ScramServer& server, const ScramServer::Step& s) {
    if (s.ok) {
        CHECK(server.state() != ScramServer::State::Failed);
    } else {
        CHECK(server.state() == ScramServer::State::Failed);
        CHECK(s.message.starts_with("e="));
        CHECK(!s.error.empty());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t selector = data[0];
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::size_t nul = rest.find('\0');
    std::string first(rest.substr(0, nul));
    const std::string_view final_msg =
        nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
    if (selector % 3 == 0) first = "n,,n=known,r=fuzznonce";
    if (selector % 3 == 1) first = "n,,n=unknown,r=fuzznonce";

    ScramServer server([](std::string_view user) -> std::optional<ScramCredentials> {
        if (user == "known") return known_credentials();
        return std::nullopt;
    });
    const auto s1 = server.client_first(first);
    check_step(server, s1);
    const auto s2 = server.client_final(final_msg);
    check_step(server, s2);
    CHECK(!server.authenticated());
    const auto s3 = server.client_final(final_msg);  // nothing after the end
    CHECK(!s3.ok);
    return 0;
}
