// The datalog queue: records (byte strings; the runtime's JSON datalog packets) waiting to be
// published on <prefix>/data, kept in the Tap's state directory so that they survive a restart and
// a lost connection. Bounded in records and bytes. FIFO; a record leaves only when acknowledged —
// the MQTT publisher pops it when its PUBACK arrives.
//
// Sequence numbers: every record pushed gets the next u64 seq (from 1, never reused, also across
// restarts). The publisher remembers the seq it sent and acknowledges with pop_through(seq), which
// removes that record and any older one still queued; if the record was dropped meanwhile (below)
// nothing newer is removed by mistake.
//
// When full (a push would exceed max_records or max_bytes) the **oldest** records are dropped to
// make room — the newest measurements matter most — and dropped() counts them (persisted). A record
// that alone exceeds max_bytes is refused with std::length_error.
//
// On disk (<name>.log and <name>.head in the state directory; all integers big-endian):
//   log    = header ‖ record*
//   header = "TAPDLOG1" ‖ u64 generation ‖ u64 first seq ‖ u32 CRC-32 of the preceding 24 bytes
//   record = u32 length ‖ u32 CRC-32 of (length ‖ data) ‖ data
//   head   = two 64-byte slots, slot (counter % 2) written in place by each change:
//            u64 counter ‖ u64 generation ‖ u64 head offset ‖ u64 dropped ‖ u32 CRC-32 of the 32 bytes
// A push appends and fdatasyncs the log before returning (nothing unacknowledged is lost); a pop
// writes the other head slot and fdatasyncs it before returning (nothing acknowledged reappears: the
// slot with the higher valid counter wins, so a torn slot write leaves the previous one). At open
// the log is scanned from its header: the first record whose length runs past the end or whose CRC
// fails ends the log — a torn last write — and the file is truncated there (torn_bytes() says how
// much went). Damage in the middle of the log is not told apart from a torn tail: the records after
// it are lost too.
// Compaction: when the acknowledged prefix is at least as large as the live records and at least
// compact_min_bytes, the live records are copied into a new log of the next generation (StateDir's
// atomic write) and then the head slot names it. A crash in between leaves a log one generation
// ahead of the head: all of it is live. So the log stays under about 2 × max_bytes.
// Not thread-safe. Errors are StateError (then the queue's state on disk is still consistent).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "file.hpp"
#include "state_dir.hpp"

namespace tapmq::relay {

class DatalogQueue {
  public:
    struct Options {
        std::size_t max_records = 10'000;
        std::uint64_t max_bytes = 4 << 20;  // records' bytes on disk, 8-byte headers included
        std::uint64_t compact_min_bytes = 64 << 10;
        bool sync = true;  // fdatasync every change; false only for tests and benchmarks
        std::string name = "datalog";
    };
    struct Record {
        std::uint64_t seq = 0;
        std::string data;
        bool operator==(const Record&) const = default;
    };

    // Opens (recovering after a crash) or creates the queue. Throws StateError, also for a log whose
    // header or head slots cannot belong together.
    explicit DatalogQueue(StateDir dir);
    DatalogQueue(StateDir dir, Options options);

    // Appends a record; returns its seq. May drop the oldest records first (see above).
    std::uint64_t push(std::string_view record);
    std::optional<Record> front() const;
    // The first n records (fewer when fewer are queued), oldest first.
    std::vector<Record> peek(std::size_t n) const;
    // Removes the oldest record; false when empty.
    bool pop();
    // Removes every queued record with a seq <= `seq`; returns how many.
    std::size_t pop_through(std::uint64_t seq);

    std::size_t size() const noexcept { return live_.size(); }
    bool empty() const noexcept { return live_.empty(); }
    std::uint64_t bytes() const noexcept { return bytes_; }
    std::uint64_t dropped() const noexcept { return dropped_; }
    std::uint64_t next_seq() const noexcept { return head_seq_ + live_.size(); }
    std::uint64_t torn_bytes() const noexcept { return torn_bytes_; }
    std::uint64_t file_bytes() const noexcept { return end_; }  // size of the log file

  private:
    struct Entry {
        std::uint64_t offset;  // of the record header
        std::uint32_t length;  // of the data
    };

    void create_log(std::uint64_t generation, std::uint64_t first_seq, std::string_view live_bytes);
    void recover();
    void write_head();
    void advance_head(std::size_t n);
    void maybe_compact();
    Record read_record(std::size_t index) const;
    std::uint64_t head_offset() const noexcept { return live_.empty() ? end_ : live_.front().offset; }

    StateDir dir_;
    Options opt_;
    std::string log_name_, head_name_;
    File log_, head_;
    std::deque<Entry> live_;
    std::uint64_t generation_ = 0;
    std::uint64_t head_counter_ = 0;
    std::uint64_t head_seq_ = 1;  // seq of live_.front(), or the next seq when empty
    std::uint64_t end_ = 0;       // where the next record goes
    std::uint64_t bytes_ = 0;
    std::uint64_t dropped_ = 0;
    std::uint64_t torn_bytes_ = 0;
};

}  // namespace tapmq::relay
