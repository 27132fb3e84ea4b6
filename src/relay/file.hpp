// A POSIX file descriptor with checked, complete reads and writes: short transfers and EINTR are
// retried, every failure is a StateError naming the path and the errno text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace tapmq::relay {

class File {
  public:
    File() = default;
    // open(2) with O_CLOEXEC added; new files get `mode` (0600 by default).
    File(const std::filesystem::path& path, int flags, unsigned mode = 0600);
    File(File&& o) noexcept;
    File& operator=(File&& o) noexcept;
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    ~File();

    bool is_open() const noexcept { return fd_ >= 0; }
    int fd() const noexcept { return fd_; }
    const std::filesystem::path& path() const noexcept { return path_; }

    std::uint64_t size() const;
    // Reads up to out.size() bytes at `offset`; fewer only at the end of the file. Returns the count.
    std::size_t pread(std::uint64_t offset, std::span<std::byte> out) const;
    void pwrite(std::uint64_t offset, std::span<const std::byte> in);
    void write_all(std::span<const std::byte> in);  // at the current position
    void truncate(std::uint64_t size);
    void sync();      // fsync
    void datasync();  // fdatasync
    void close();     // reports a failing close(2)

  private:
    int fd_ = -1;
    std::filesystem::path path_;
};

// fsync of a directory, so that a rename or a new entry in it survives a power cut.
void sync_directory(const std::filesystem::path& dir);

}  // namespace tapmq::relay
