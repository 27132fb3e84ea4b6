// The writer's side of group commit: the batches pending when the writer becomes free, merged into one
// RocksDB write. Records that cancel out inside the group are left out: a message or queue record
// created (Batch::create_message / create_outgoing) and erased again within the group never reaches the
// log, nor does any put of that key in between. Erasing a key the group did not create is always
// written, and so is every other record, in submission order.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "persist/store.hpp"

namespace rocksdb {
class WriteBatch;
}

namespace tapmq::persist {

class GroupCommit {
  public:
    // Adds the next batch; it must stay alive and unchanged until merge() returns.
    void add(const Batch& b) { batches_.push_back(&b); }
    std::size_t size() const noexcept { return batches_.size(); }

    // One write batch with the records of every added batch, in order, less those that cancel out;
    // `cancelled` counts the records left out. The group is empty afterwards.
    rocksdb::WriteBatch merge(std::uint64_t& cancelled);

  private:
    struct Op {
        std::uint32_t batch;
        std::uint32_t op;
        std::int32_t previous;  // earlier operation on the same key (index into chain_), or -1
    };
    void find_cancelled();

    std::vector<const Batch*> batches_;
    // Scratch, kept between groups to avoid reallocating.
    std::unordered_map<std::string_view, std::int32_t> live_;  // created key -> latest op in chain_
    std::vector<Op> chain_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> cancelled_;  // (batch, op), sorted by merge()
};

}  // namespace tapmq::persist
