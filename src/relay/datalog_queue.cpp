// DatalogQueue: an append-only log plus a two-slot head file (layout and crash reasoning in the header).
#include "datalog_queue.hpp"

#include <fcntl.h>

#include <array>
#include <cstring>
#include <stdexcept>

#include "big_endian.hpp"
#include "crc32.hpp"

namespace tapmq::relay {

namespace {

constexpr std::array<char, 8> kMagic{'T', 'A', 'P', 'D', 'L', 'O', 'G', '1'};
constexpr std::uint64_t kHeaderSize = 28;
constexpr std::uint64_t kRecordHeader = 8;
constexpr std::size_t kSlotStride = 64;
constexpr std::size_t kSlotSize = 36;

struct Slot {
    std::uint64_t counter, generation, head_offset, dropped;
};

template <std::size_t N>
std::span<std::byte, N> at(std::span<std::byte> s, std::size_t off) {
    return s.subspan(off).first<N>();
}
template <std::size_t N>
std::span<const std::byte, N> at(std::span<const std::byte> s, std::size_t off) {
    return s.subspan(off).first<N>();
}

std::span<const std::byte> bytes_of(std::string_view s) {
    return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

std::optional<Slot> parse_slot(std::span<const std::byte> s) {
    if (s.size() < kSlotSize) return std::nullopt;
    if (crc32(s.first(32)) != be::load_u32(at<4>(s, 32))) return std::nullopt;
    Slot slot{be::load_u64(at<8>(s, 0)), be::load_u64(at<8>(s, 8)), be::load_u64(at<8>(s, 16)),
              be::load_u64(at<8>(s, 24))};
    if (slot.counter == 0) return std::nullopt;
    return slot;
}

std::uint32_t record_crc(std::span<const std::byte, 4> length, std::span<const std::byte> data) {
    return crc32(crc32(length), data);
}

}  // namespace

DatalogQueue::DatalogQueue(StateDir dir) : DatalogQueue(std::move(dir), Options{}) {}

DatalogQueue::DatalogQueue(StateDir dir, Options options)
    : dir_(std::move(dir)),
      opt_(std::move(options)),
      log_name_(opt_.name + ".log"),
      head_name_(opt_.name + ".head") {
    recover();
}

void DatalogQueue::create_log(std::uint64_t generation, std::uint64_t first_seq,
                              std::string_view live_bytes) {
    std::string content(kHeaderSize + live_bytes.size(), '\0');
    auto s = std::as_writable_bytes(std::span<char>(content.data(), content.size()));
    std::memcpy(s.data(), kMagic.data(), kMagic.size());
    be::store_u64(at<8>(s, 8), generation);
    be::store_u64(at<8>(s, 16), first_seq);
    be::store_u32(at<4>(s, 24), crc32(s.first(24)));
    if (!live_bytes.empty()) std::memcpy(s.data() + kHeaderSize, live_bytes.data(), live_bytes.size());
    dir_.write_atomic(log_name_, s);
    log_ = File(dir_.file(log_name_), O_RDWR);
    generation_ = generation;
    end_ = content.size();
}

void DatalogQueue::recover() {
    std::optional<Slot> slot;
    const bool head_existed = dir_.exists(head_name_);
    if (auto head = dir_.read(head_name_)) {
        std::span<const std::byte> h(*head);
        for (std::size_t i = 0; i < 2 && i * kSlotStride < h.size(); ++i) {
            auto s = parse_slot(h.subspan(i * kSlotStride));
            if (s && (!slot || s->counter > slot->counter)) slot = s;
        }
    }
    head_counter_ = slot ? slot->counter : 0;
    dropped_ = slot ? slot->dropped : 0;

    auto log = dir_.read(log_name_);
    bool head_current = false;
    if (!log) {
        create_log(slot ? slot->generation + 1 : 1, 1, {});
        head_seq_ = 1;
    } else {
        const auto path = dir_.file(log_name_);
        std::span<const std::byte> l(*log);
        if (l.size() < kHeaderSize || std::memcmp(l.data(), kMagic.data(), kMagic.size()) != 0 ||
            crc32(l.first(24)) != be::load_u32(at<4>(l, 24))) {
            throw StateError(path, "not a datalog (damaged header)");
        }
        generation_ = be::load_u64(at<8>(l, 8));
        const std::uint64_t first_seq = be::load_u64(at<8>(l, 16));
        std::uint64_t target = kHeaderSize;
        if (slot && slot->generation == generation_) {
            target = slot->head_offset;
            head_current = true;
        } else if (slot && slot->generation + 1 != generation_) {
            throw StateError(dir_.file(head_name_),
                             "names log generation " + std::to_string(slot->generation) +
                                 ", the log is generation " + std::to_string(generation_));
        }
        if (target < kHeaderSize)
            throw StateError(dir_.file(head_name_), "head offset inside the log header");

        std::uint64_t off = kHeaderSize, seq = first_seq;
        bool found = false;
        while (off + kRecordHeader <= l.size()) {
            const auto len = be::load_u32(at<4>(l, off));
            if (len > l.size() - off - kRecordHeader) break;
            auto data = l.subspan(off + kRecordHeader, len);
            if (record_crc(at<4>(l, off), data) != be::load_u32(at<4>(l, off + 4))) break;
            if (off == target) {
                found = true;
                head_seq_ = seq;
            }
            if (found) {
                live_.push_back({off, len});
                bytes_ += kRecordHeader + len;
            }
            off += kRecordHeader + len;
            ++seq;
        }
        if (!found) {
            // Only possible when the head names the end (an empty queue), or ran past a torn tail that
            // was never synced (Options::sync false): the queue is empty either way.
            if (target < off)
                throw StateError(dir_.file(head_name_), "head offset is not at a record boundary");
            head_seq_ = seq;
            if (target != off) head_current = false;
        }
        end_ = off;
        log_ = File(path, O_RDWR);
        if (l.size() > off) {
            torn_bytes_ = l.size() - off;
            log_.truncate(off);
            log_.datasync();
        }
    }

    head_ = File(dir_.file(head_name_), O_RDWR | O_CREAT, 0600);
    if (!head_existed) dir_.sync();
    if (!head_current) write_head();
}

void DatalogQueue::write_head() {
    std::array<std::byte, kSlotSize> s{};
    const std::uint64_t counter = head_counter_ + 1;
    be::store_u64(at<8>(std::span<std::byte>(s), 0), counter);
    be::store_u64(at<8>(std::span<std::byte>(s), 8), generation_);
    be::store_u64(at<8>(std::span<std::byte>(s), 16), head_offset());
    be::store_u64(at<8>(std::span<std::byte>(s), 24), dropped_);
    be::store_u32(at<4>(std::span<std::byte>(s), 32), crc32(std::span<const std::byte>(s).first(32)));
    head_.pwrite((counter % 2) * kSlotStride, s);
    if (opt_.sync) head_.datasync();
    head_counter_ = counter;
}

std::uint64_t DatalogQueue::push(std::string_view record) {
    const std::uint64_t size = kRecordHeader + record.size();
    if (record.size() > UINT32_MAX || size > opt_.max_bytes || opt_.max_records == 0) {
        throw std::length_error("datalog record of " + std::to_string(record.size()) +
                                " bytes exceeds the queue");
    }
    std::size_t drop = 0;
    std::uint64_t kept_bytes = bytes_;
    while (drop < live_.size() &&
           (live_.size() - drop + 1 > opt_.max_records || kept_bytes + size > opt_.max_bytes)) {
        kept_bytes -= kRecordHeader + live_[drop].length;
        ++drop;
    }
    if (drop > 0) {
        dropped_ += drop;
        advance_head(drop);
    }

    std::string buf(size, '\0');
    auto s = std::as_writable_bytes(std::span<char>(buf.data(), buf.size()));
    be::store_u32(at<4>(s, 0), static_cast<std::uint32_t>(record.size()));
    if (!record.empty()) std::memcpy(s.data() + kRecordHeader, record.data(), record.size());
    be::store_u32(at<4>(s, 4), record_crc(at<4>(std::span<const std::byte>(s), 0), bytes_of(record)));
    try {
        log_.pwrite(end_, s);
        if (opt_.sync) log_.datasync();
    } catch (...) {
        try {
            log_.truncate(end_);
        } catch (...) {
        }
        throw;
    }
    live_.push_back({end_, static_cast<std::uint32_t>(record.size())});
    end_ += size;
    bytes_ += size;
    return head_seq_ + live_.size() - 1;
}

DatalogQueue::Record DatalogQueue::read_record(std::size_t index) const {
    const auto& e = live_[index];
    std::string buf(kRecordHeader + e.length, '\0');
    auto s = std::as_writable_bytes(std::span<char>(buf.data(), buf.size()));
    if (log_.pread(e.offset, s) != s.size() ||
        be::load_u32(at<4>(std::span<const std::byte>(s), 0)) != e.length ||
        record_crc(at<4>(std::span<const std::byte>(s), 0),
                   std::span<const std::byte>(s).subspan(kRecordHeader)) !=
            be::load_u32(at<4>(std::span<const std::byte>(s), 4))) {
        throw StateError(log_.path(), "record at offset " + std::to_string(e.offset) + " changed on disk");
    }
    return Record{head_seq_ + index, buf.substr(kRecordHeader)};
}

std::optional<DatalogQueue::Record> DatalogQueue::front() const {
    if (live_.empty()) return std::nullopt;
    return read_record(0);
}

std::vector<DatalogQueue::Record> DatalogQueue::peek(std::size_t n) const {
    std::vector<Record> out;
    for (std::size_t i = 0; i < n && i < live_.size(); ++i)
        out.push_back(read_record(i));
    return out;
}

bool DatalogQueue::pop() {
    if (live_.empty()) return false;
    advance_head(1);
    return true;
}

std::size_t DatalogQueue::pop_through(std::uint64_t seq) {
    if (live_.empty() || seq < head_seq_) return 0;
    const std::size_t n = std::min<std::uint64_t>(live_.size(), seq - head_seq_ + 1);
    advance_head(n);
    return n;
}

void DatalogQueue::advance_head(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        bytes_ -= kRecordHeader + live_.front().length;
        live_.pop_front();
        ++head_seq_;
    }
    write_head();
    maybe_compact();
}

void DatalogQueue::maybe_compact() {
    const std::uint64_t dead = head_offset() - kHeaderSize;
    if (dead < opt_.compact_min_bytes || dead < bytes_) return;
    const std::uint64_t from = head_offset();
    std::string region(end_ - from, '\0');
    if (log_.pread(from, std::as_writable_bytes(std::span<char>(region.data(), region.size()))) !=
        region.size()) {
        throw StateError(log_.path(), "shorter than its records");
    }
    create_log(generation_ + 1, head_seq_, region);
    for (auto& e : live_)
        e.offset = e.offset - from + kHeaderSize;
    write_head();
}

}  // namespace tapmq::relay
