// The one error type of the relay's on-disk state: an I/O failure (with errno) or damaged content,
// always naming the file, e.g. "tapmq state /var/lib/tapmq/tap1/datalog.log: write: No space left on
// device". Thrown by StateDir, File, DatalogQueue and FirmwareUpdate.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tapmq::relay {

class StateError : public std::runtime_error {
  public:
    // An I/O call `op` on `path` failed with errno `err`.
    StateError(const std::filesystem::path& path, std::string_view op, int err);
    // The content of `path` is not what it should be (err() is 0).
    StateError(const std::filesystem::path& path, std::string_view problem);

    const std::filesystem::path& path() const noexcept { return path_; }
    int err() const noexcept { return err_; }  // errno, or 0 for damaged content
    bool no_space() const noexcept;            // ENOSPC or EDQUOT

  private:
    std::filesystem::path path_;
    int err_ = 0;
};

}  // namespace tapmq::relay
