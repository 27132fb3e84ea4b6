#include "persist/wal_check.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <system_error>

#include "persist/crc32c.hpp"

namespace tapmq::persist::detail {
namespace {

// RocksDB log format (db/log_format.h): the file is a sequence of 32 KiB blocks; a record never crosses a
// block boundary; a block tail shorter than a header is zero-filled. Header: masked CRC-32C (4 bytes,
// little-endian) of type + [log number] + payload, length (2 bytes, little-endian), type (1 byte).
constexpr std::size_t kBlockSize = 32768;
constexpr std::size_t kHeaderSize = 7;
constexpr std::size_t kRecyclableHeaderSize = 11;
enum : unsigned {
    kZero = 0,
    kFull = 1,
    kFirst = 2,
    kMiddle = 3,
    kLast = 4,
    kRecFull = 5,
    kRecFirst = 6,
    kRecMiddle = 7,
    kRecLast = 8,
    kSetCompression = 9
};

std::uint32_t le32(const unsigned char* p) {
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
           (std::uint32_t{p[3]} << 24);
}

enum class Rec { Intact, Zero, Damaged, Truncated };
struct Parsed {
    Rec rec;
    unsigned type = 0;
    std::size_t size = 0;  // header + payload
};

// Parses the record at `off`; `end` is the end of its block (or of the file).
Parsed parse_at(const unsigned char* base, std::size_t off, std::size_t end, bool end_is_eof) {
    const unsigned char* h = base + off;
    unsigned type = h[6];
    std::size_t len = std::size_t{h[4]} | (std::size_t{h[5]} << 8);
    if (type == kZero && len == 0) return {Rec::Zero};
    std::size_t header;
    if (type >= kFull && type <= kLast)
        header = kHeaderSize;
    else if (type >= kRecFull && type <= kRecLast)
        header = kRecyclableHeaderSize;
    else if (type == kSetCompression)
        header = kHeaderSize;
    else
        return {Rec::Damaged};
    if (off + header + len > end) return {end_is_eof ? Rec::Truncated : Rec::Damaged};
    std::uint32_t crc = crc32c(h + 6, header - 6 + len);
    if (crc32c_mask(crc) != le32(h)) return {Rec::Damaged};
    return {Rec::Intact, type, header + len};
}

bool starts_logical_record(unsigned type) {
    return type == kFull || type == kFirst || type == kRecFull || type == kRecFirst;
}

// Looks for an intact record start at every byte offset in [from, end).
std::optional<std::size_t> find_intact_start(const unsigned char* base, std::size_t from, std::size_t end,
                                             bool end_is_eof) {
    for (std::size_t off = from; off + kHeaderSize <= end; ++off) {
        unsigned type = base[off + 6];
        if (!starts_logical_record(type)) continue;
        auto p = parse_at(base, off, end, end_is_eof);
        if (p.rec == Rec::Intact) return off;
    }
    return std::nullopt;
}

}  // namespace

std::optional<WalDamage> check_wal(std::string_view log) {
    const auto* base = reinterpret_cast<const unsigned char*>(log.data());
    const std::size_t size = log.size();
    std::optional<std::size_t> damaged;
    for (std::size_t block = 0; block < size; block += kBlockSize) {
        const std::size_t end = std::min(block + kBlockSize, size);
        const bool end_is_eof = end == size;
        std::size_t off = block;
        while (off + kHeaderSize <= end) {
            auto p = parse_at(base, off, end, end_is_eof);
            if (p.rec == Rec::Intact) {
                if (damaged && starts_logical_record(p.type)) return WalDamage{*damaged, off};
                off += p.size;
                continue;
            }
            // A record running past the end of the file: the torn tail of a write cut short by a crash.
            // Everything after `off` belongs to it.
            if (p.rec == Rec::Truncated) break;
            // A zero header (RocksDB skips the rest of the block without complaint) or a damaged record:
            // anything intact after it in this block would be lost.
            if (p.rec == Rec::Damaged && !damaged) damaged = off;
            if (auto intact = find_intact_start(base, off + 1, end, end_is_eof))
                return WalDamage{damaged.value_or(off), *intact};
            break;
        }
    }
    return std::nullopt;
}

std::string check_wal_file(const std::filesystem::path& file) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + file.string());
    std::string data;
    char buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd);
            throw std::system_error(e, std::generic_category(), "read " + file.string());
        }
        if (n == 0) break;
        data.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    auto d = check_wal(data);
    if (!d) return {};
    return "write-ahead log " + file.filename().string() + " is damaged at offset " +
           std::to_string(d->damaged_at) + " but has intact records after it (offset " +
           std::to_string(d->intact_at) + ")";
}

}  // namespace tapmq::persist::detail
