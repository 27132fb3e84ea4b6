// FirmwareUpdate: the object 5 state machine, the staged package and its verification (see header).
#include "firmware_update.hpp"

#include <fcntl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "big_endian.hpp"

namespace tapmq::relay {

namespace {

constexpr std::uint32_t kStartMarker = 0xFFFFFFFF;
constexpr std::size_t kStartSize = 4 + 4 + 32;
constexpr std::string_view kPackageType = "tapmq-firmware";

template <std::size_t N>
std::span<const std::byte, N> at(std::span<const std::byte> s, std::size_t off) {
    return s.subspan(off).first<N>();
}

std::string to_hex(std::span<const std::byte> b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (auto x : b) {
        out += digits[std::to_integer<unsigned>(x) >> 4];
        out += digits[std::to_integer<unsigned>(x) & 15];
    }
    return out;
}

bool from_hex(std::string_view s, std::span<std::byte> out) {
    if (s.size() != out.size() * 2) return false;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < out.size(); ++i) {
        int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = std::byte(hi << 4 | lo);
    }
    return true;
}

// The new version named by a package, or "" when it is not a tapmq-firmware manifest.
std::string manifest_version(std::string_view package) {
    auto j = nlohmann::json::parse(package, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return {};
    auto type = j.find("type");
    auto version = j.find("version");
    if (type == j.end() || !type->is_string() || type->get<std::string>() != kPackageType) return {};
    if (version == j.end() || !version->is_string()) return {};
    auto v = version->get<std::string>();
    if (v.empty() || v.size() > 32) return {};
    for (char c : v) {
        if (c < 0x20 || c > 0x7E) return {};
    }
    return v;
}

}  // namespace

FirmwareUpdate::FirmwareUpdate(StateDir dir) : FirmwareUpdate(std::move(dir), Options{}) {}

FirmwareUpdate::FirmwareUpdate(StateDir dir, Options options)
    : dir_(std::move(dir)),
      opt_(std::move(options)),
      meta_name_(opt_.name + ".json"),
      package_name_(opt_.name + ".package"),
      version_(opt_.initial_version) {
    load();
}

void FirmwareUpdate::load() {
    auto text = dir_.read_text(meta_name_);
    if (!text) {
        dir_.remove(package_name_);
        save();
        return;
    }
    const auto path = dir_.file(meta_name_);
    auto j = nlohmann::json::parse(*text, nullptr, false);
    try {
        if (!j.is_object()) throw std::invalid_argument("not a JSON object");
        version_ = j.at("version").get<std::string>();
        auto st = j.at("state").get<int>();
        auto res = j.at("result").get<int>();
        if (st < 0 || st > 3 || res < 0 || res > 9)
            throw std::invalid_argument("state or result out of range");
        state_ = static_cast<State>(st);
        result_ = static_cast<Result>(res);
        size_ = j.at("size").get<std::uint32_t>();
        received_ = j.at("received").get<std::uint32_t>();
        pending_version_ = j.at("pending_version").get<std::string>();
        if (!from_hex(j.at("sha256").get<std::string>(), sha256_)) throw std::invalid_argument("bad sha256");
        if (received_ > size_) throw std::invalid_argument("received beyond size");
    } catch (const std::exception& e) {
        throw StateError(path, std::string("damaged firmware state: ") + e.what());
    }
    checkpointed_ = received_;
    switch (state_) {
        case State::Idle:
            dir_.remove(package_name_);
            break;
        case State::Updating:
            finish_update();
            break;
        case State::Downloading:
        case State::Downloaded: {
            open_package(false);
            const auto have = package_.size();
            if (have < received_) {  // lost synced bytes: the disk lied; take what is there
                received_ = static_cast<std::uint32_t>(have);
                checkpointed_ = received_;
            }
            if (have > received_) package_.truncate(received_);
            state_ = received_ == size_ ? State::Downloaded : State::Downloading;
            save();
            break;
        }
    }
}

void FirmwareUpdate::save() {
    nlohmann::json j{{"version", version_},
                     {"state", static_cast<int>(state_)},
                     {"result", static_cast<int>(result_)},
                     {"size", size_},
                     {"sha256", to_hex(sha256_)},
                     {"received", checkpointed_},
                     {"pending_version", pending_version_}};
    dir_.write_atomic(meta_name_, j.dump() + "\n");
}

void FirmwareUpdate::checkpoint() {
    package_.datasync();
    checkpointed_ = received_;
    save();
}

void FirmwareUpdate::open_package(bool truncate) {
    const bool existed = dir_.exists(package_name_);
    package_ = File(dir_.file(package_name_), O_RDWR | O_CREAT | (truncate ? O_TRUNC : 0), 0600);
    if (!existed) dir_.sync();
}

void FirmwareUpdate::reset(Result result) {
    package_ = File();
    state_ = State::Idle;
    result_ = result;
    size_ = 0;
    received_ = checkpointed_ = 0;
    sha256_ = {};
    pending_version_.clear();
    save();
    dir_.remove(package_name_);
}

FirmwareUpdate::PartStatus FirmwareUpdate::write_package(std::span<const std::byte> payload) {
    if (state_ == State::Updating) return PartStatus::Busy;
    try {
        if (payload.empty()) {
            reset(Result::Initial);
            return PartStatus::Accepted;
        }
        if (payload.size() < 5) return PartStatus::Malformed;
        const auto offset = be::load_u32(at<4>(payload, 0));
        if (offset == kStartMarker) return start(payload);
        return data(offset, payload.subspan(4));
    } catch (const StateError& e) {
        if (!e.no_space()) throw;
        package_ = File();
        try {
            reset(Result::NotEnoughStorage);
        } catch (
            const StateError&) {  // removing the package frees space; a failing save is reported next time
        }
        return PartStatus::NoSpace;
    }
}

FirmwareUpdate::PartStatus FirmwareUpdate::start(std::span<const std::byte> payload) {
    if (payload.size() != kStartSize) return PartStatus::Malformed;
    const auto size = be::load_u32(at<4>(payload, 4));
    std::array<std::byte, 32> sha{};
    std::copy_n(payload.begin() + 8, 32, sha.begin());
    if (size == 0) return PartStatus::OutOfRange;
    if (size > opt_.max_package_bytes) {
        reset(Result::NotEnoughStorage);
        return PartStatus::TooLarge;
    }
    if (state_ != State::Idle && size == size_ && sha == sha256_) return PartStatus::Accepted;  // resume
    state_ = State::Downloading;
    result_ = Result::Initial;
    size_ = size;
    sha256_ = sha;
    received_ = checkpointed_ = 0;
    pending_version_.clear();
    open_package(true);
    save();
    return PartStatus::Accepted;
}

FirmwareUpdate::PartStatus FirmwareUpdate::data(std::uint32_t offset, std::span<const std::byte> bytes) {
    if (state_ == State::Idle) return PartStatus::NoDownload;
    if (offset > received_) return PartStatus::OutOfOrder;
    const std::uint64_t end = std::uint64_t{offset} + bytes.size();
    if (end > size_) return PartStatus::OutOfRange;
    // The bytes this part repeats must be the ones we have.
    const auto repeat = static_cast<std::size_t>(std::min<std::uint64_t>(end, received_) - offset);
    if (repeat > 0) {
        std::vector<std::byte> have(repeat);
        if (package_.pread(offset, have) != repeat)
            throw StateError(package_.path(), "shorter than received");
        if (!std::equal(have.begin(), have.end(), bytes.begin())) return PartStatus::Inconsistent;
    }
    if (end > received_) {
        package_.pwrite(received_, bytes.subspan(repeat));
        received_ = static_cast<std::uint32_t>(end);
        if (received_ == size_) {
            state_ = State::Downloaded;
            checkpoint();
        } else if (received_ - checkpointed_ >= opt_.checkpoint_bytes) {
            checkpoint();
        }
    }
    return PartStatus::Accepted;
}

FirmwareUpdate::UpdateStatus FirmwareUpdate::update() {
    switch (state_) {
        case State::Idle:
            return UpdateStatus::NothingDownloaded;
        case State::Updating:
            return UpdateStatus::Busy;
        case State::Downloading:
            result_ = Result::IntegrityFailure;
            save();
            return UpdateStatus::Incomplete;
        case State::Downloaded:
            break;
    }
    // Read the staged package back and hash it: what is on disk is what gets installed.
    std::string package;
    if (package_.size() == size_) {
        package.resize(size_);
        auto buf = std::as_writable_bytes(std::span<char>(package.data(), package.size()));
        if (package_.pread(0, buf) != size_) package.clear();
    }
    std::array<std::byte, 32> digest{};
    bool intact = package.size() == size_;
    if (intact) {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
        unsigned len = 0;
        if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
            EVP_DigestUpdate(ctx.get(), package.data(), package.size()) != 1 ||
            EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(digest.data()), &len) != 1 ||
            len != 32) {
            throw std::runtime_error("OpenSSL SHA-256 failed");
        }
        intact = digest == sha256_;
    }
    if (!intact) {
        reset(Result::IntegrityFailure);
        return UpdateStatus::IntegrityFailure;
    }
    auto version = manifest_version(package);
    if (version.empty()) {
        reset(Result::UnsupportedPackage);
        return UpdateStatus::UnsupportedPackage;
    }
    state_ = State::Updating;
    pending_version_ = std::move(version);
    save();
    return UpdateStatus::Restart;
}

void FirmwareUpdate::finish_update() {
    if (state_ != State::Updating) return;
    version_ = pending_version_;
    reset(Result::Success);
}

std::array<std::byte, 8> FirmwareUpdate::progress() const noexcept {
    std::array<std::byte, 8> out{};
    be::store_u32(std::span<std::byte>(out).first<4>(), state_ == State::Idle ? 0 : size_);
    be::store_u32(std::span<std::byte>(out).last<4>(), state_ == State::Idle ? 0 : received_);
    return out;
}

std::uint8_t tap_code(FirmwareUpdate::PartStatus s) noexcept {
    using P = FirmwareUpdate::PartStatus;
    switch (s) {
        case P::Accepted:
            return 0x44;
        case P::TooLarge:
        case P::NoSpace:
            return 0xA7;
        case P::Busy:
            return 0x46;
        case P::Malformed:
        case P::NoDownload:
        case P::OutOfOrder:
        case P::OutOfRange:
        case P::Inconsistent:
            return 0x80;
    }
    return 0xA0;
}

std::uint8_t tap_code(FirmwareUpdate::UpdateStatus s) noexcept {
    using U = FirmwareUpdate::UpdateStatus;
    switch (s) {
        case U::Restart:
            return 0x44;
        case U::Busy:
            return 0x46;
        case U::NothingDownloaded:
        case U::Incomplete:
        case U::IntegrityFailure:
        case U::UnsupportedPackage:
            return 0x80;
    }
    return 0xA0;
}

}  // namespace tapmq::relay
