// Detection of damage in the middle of a RocksDB write-ahead log (internal).
//
// RocksDB's kPointInTimeRecovery replays a log up to the first damaged record and silently drops the rest.
// That is right for a torn tail (a crash or power cut while the last, not yet acknowledged, write was in
// progress) but would silently lose acknowledged data if the damage is in the middle of the log. Before
// opening, the store reads each log with the (stable, LevelDB-derived) log format and refuses to open if a
// damaged record is followed by an intact record start in the same file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tapmq::persist::detail {

struct WalDamage {
    std::uint64_t damaged_at;  // offset of the first damaged record
    std::uint64_t intact_at;   // offset of an intact record start after it
};

// nullopt: the log is intact, or only its tail is torn/zeroed.
std::optional<WalDamage> check_wal(std::string_view log);

// Reads the file and checks it; "" if fine, else a description naming the file and offsets. Throws
// std::system_error if the file cannot be read.
std::string check_wal_file(const std::filesystem::path& file);

}  // namespace tapmq::persist::detail
