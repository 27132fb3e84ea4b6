// A Tap's state directory: where the datalog queue, the firmware package and the Tap's settings
// live. Created with mode 0700 (missing parents too) when missing; files in it get mode 0600.
//
// write_atomic(name, bytes): write NAME.tmp, fsync it, rename it over NAME, fsync the directory —
// after a crash NAME holds either the old or the new content, never a mixture, and a successful
// return survives a power cut. A NAME.tmp left by a crash is overwritten by the next write.
// Errors are StateError naming the path and the errno text. A StateDir is a path, cheap to copy;
// lock() takes the directory for one Tap (an flock on DIR/LOCK, held as long as the StateLock lives),
// so that two Taps given the same directory do not write the same datalog.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "file.hpp"
#include "state_error.hpp"

namespace tapmq::relay {

// An exclusive flock on a state directory's LOCK file; released when destroyed (or the process ends).
class StateLock {
  public:
    explicit StateLock(File f) : file_(std::move(f)) {}

  private:
    File file_;
};

class StateDir {
  public:
    // Opens `dir`, creating it (mode 0700) if missing. Throws StateError (also when `dir` exists
    // and is not a directory).
    explicit StateDir(std::filesystem::path dir);

    const std::filesystem::path& path() const noexcept { return dir_; }
    // dir / name. `name` must be a plain file name (no '/', not "." or ".."): std::invalid_argument.
    std::filesystem::path file(std::string_view name) const;

    void write_atomic(std::string_view name, std::span<const std::byte> data) const;
    void write_atomic(std::string_view name, std::string_view text) const;
    // The whole file, or nullopt when it does not exist.
    std::optional<std::vector<std::byte>> read(std::string_view name) const;
    std::optional<std::string> read_text(std::string_view name) const;
    bool exists(std::string_view name) const;
    // Removes the file and fsyncs the directory; false when it did not exist.
    bool remove(std::string_view name) const;
    // fsync of the directory itself.
    void sync() const;
    // Takes the directory for this process; StateError "in use" (EWOULDBLOCK) when another holder
    // has it, in this process or another.
    StateLock lock() const;

  private:
    std::filesystem::path dir_;
};

}  // namespace tapmq::relay
