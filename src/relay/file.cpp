// File: open/pread/pwrite/fsync with every failure reported as a StateError.
#include "file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "state_error.hpp"

namespace tapmq::relay {

File::File(const std::filesystem::path& path, int flags, unsigned mode) : path_(path) {
    do {
        fd_ = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
    } while (fd_ < 0 && errno == EINTR);
    if (fd_ < 0) throw StateError(path, "open", errno);
}

File::File(File&& o) noexcept : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)) {}

File& File::operator=(File&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(o.fd_, -1);
        path_ = std::move(o.path_);
    }
    return *this;
}

File::~File() {
    if (fd_ >= 0) ::close(fd_);
}

std::uint64_t File::size() const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw StateError(path_, "fstat", errno);
    return static_cast<std::uint64_t>(st.st_size);
}

std::size_t File::pread(std::uint64_t offset, std::span<std::byte> out) const {
    std::size_t done = 0;
    while (done < out.size()) {
        auto n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw StateError(path_, "read", errno);
        }
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    return done;
}

void File::pwrite(std::uint64_t offset, std::span<const std::byte> in) {
    std::size_t done = 0;
    while (done < in.size()) {
        auto n = ::pwrite(fd_, in.data() + done, in.size() - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw StateError(path_, "write", errno);
        }
        done += static_cast<std::size_t>(n);
    }
}

void File::write_all(std::span<const std::byte> in) {
    std::size_t done = 0;
    while (done < in.size()) {
        auto n = ::write(fd_, in.data() + done, in.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw StateError(path_, "write", errno);
        }
        done += static_cast<std::size_t>(n);
    }
}

void File::truncate(std::uint64_t size) {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) throw StateError(path_, "truncate", errno);
}

void File::sync() {
    if (::fsync(fd_) != 0) throw StateError(path_, "fsync", errno);
}

void File::datasync() {
    if (::fdatasync(fd_) != 0) throw StateError(path_, "fdatasync", errno);
}

void File::close() {
    if (fd_ < 0) return;
    int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0 && errno != EINTR) throw StateError(path_, "close", errno);
}

void sync_directory(const std::filesystem::path& dir) {
    File d(dir, O_RDONLY | O_DIRECTORY);
    d.sync();
}

}  // namespace tapmq::relay
