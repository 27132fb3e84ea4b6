// A Tap's netkey (tap-protocol.md §5): opens sealed requests and app packets, seals what the Tap
// publishes (direction from-tap, its own random sender id, counter from 1), and limits the plain
// `81 90 00` refusals to one a second per Tap. Also reads a key file: one line, mode 0600.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tap/seal.hpp"

namespace tapmq::relay::runtime {

class Netkey {
  public:
    Netkey(std::string_view netkey, std::string_view serial);

    // The frame opened (status Accepted and plaintext) or why not.
    tap::Opened open(std::string_view frame, std::string_view topic, std::int64_t now_unix_s);
    std::string seal(std::string_view topic, std::string_view plaintext, std::int64_t now_unix_s);

    // True at most once a second (steady time): whether a refusal may be answered now.
    bool may_refuse(std::chrono::steady_clock::time_point now);

    std::uint64_t refused() const noexcept { return refused_; }
    void count_refused() noexcept { ++refused_; }

  private:
    tap::Opener opener_;
    tap::Sealer sealer_;
    std::optional<std::chrono::steady_clock::time_point> last_refusal_;
    std::uint64_t refused_ = 0;
};

// The netkey of a key file: its first line (without the newline). Throws std::runtime_error with the
// sentence for the user when the file cannot be read, is readable or writable by group or others
// ("chmod 600 FILE"), or holds no key.
std::string read_key_file(const std::string& path);

}  // namespace tapmq::relay::runtime
