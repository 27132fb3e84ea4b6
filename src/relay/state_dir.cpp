// StateDir: creation with mode 0700, atomic replacement (temp, fsync, rename, fsync dir), whole reads.
#include "state_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "file.hpp"

namespace tapmq::relay {

namespace {

// mkdir -p with mode 0700 for every directory created; each new entry's parent is fsynced.
void make_dirs(const std::filesystem::path& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) throw StateError(dir, "exists and is not a directory");
        return;
    }
    if (errno != ENOENT) throw StateError(dir, "stat", errno);
    auto parent = dir.parent_path();
    if (!parent.empty() && parent != dir) make_dirs(parent);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw StateError(dir, "mkdir", errno);
    sync_directory(parent.empty() ? std::filesystem::path(".") : parent);
}

}  // namespace

StateDir::StateDir(std::filesystem::path dir) : dir_(std::move(dir)) {
    if (dir_.empty()) throw std::invalid_argument("StateDir: empty path");
    // "a/b/" has an empty file name; drop the trailing separator so parent_path() walks upwards.
    if (!dir_.has_filename() && dir_.has_parent_path() && dir_ != dir_.root_path()) dir_ = dir_.parent_path();
    make_dirs(dir_);
}

std::filesystem::path StateDir::file(std::string_view name) const {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
        name.find('\0') != std::string_view::npos) {
        throw std::invalid_argument("StateDir: not a plain file name: '" + std::string(name) + "'");
    }
    return dir_ / std::string(name);
}

void StateDir::write_atomic(std::string_view name, std::span<const std::byte> data) const {
    const auto target = file(name);
    auto tmp = target;
    tmp += ".tmp";
    try {
        File f(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        f.write_all(data);
        f.sync();
        f.close();
        if (::rename(tmp.c_str(), target.c_str()) != 0) throw StateError(target, "rename", errno);
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    sync();
}

void StateDir::write_atomic(std::string_view name, std::string_view text) const {
    write_atomic(name, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

std::optional<std::vector<std::byte>> StateDir::read(std::string_view name) const {
    File f;
    try {
        f = File(file(name), O_RDONLY);
    } catch (const StateError& e) {
        if (e.err() == ENOENT) return std::nullopt;
        throw;
    }
    std::vector<std::byte> out(f.size());
    out.resize(f.pread(0, out));
    // A file that grew while we read: take the rest too.
    std::byte more[4096];
    for (std::size_t n; (n = f.pread(out.size(), more)) > 0;)
        out.insert(out.end(), more, more + n);
    return out;
}

std::optional<std::string> StateDir::read_text(std::string_view name) const {
    auto bytes = read(name);
    if (!bytes) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

bool StateDir::exists(std::string_view name) const {
    struct stat st {};
    const auto path = file(name);
    if (::stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT) return false;
    throw StateError(path, "stat", errno);
}

bool StateDir::remove(std::string_view name) const {
    const auto path = file(name);
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) return false;
        throw StateError(path, "unlink", errno);
    }
    sync();
    return true;
}

void StateDir::sync() const {
    sync_directory(dir_);
}

StateLock StateDir::lock() const {
    File f(file("LOCK"), O_RDWR | O_CREAT, 0600);
    while (::flock(f.fd(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK) throw StateError(dir_, "in use by another Tap (LOCK is held)");
        throw StateError(f.path(), "flock", errno);
    }
    return StateLock(std::move(f));
}

}  // namespace tapmq::relay
