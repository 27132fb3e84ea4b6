// The writer's side of group commit: the batches pending when the writer becomes free, merged into one
// RocksDB write. Records that cancel out inside the group are left out: a message or queue record
// created (Batch::create_message / create_outgoing) and erased again within the group never reaches the
// log, nor does any put of that key in between. Erasing a key the group did not create is always
// written, and so is every other record, in submission order.
//
// Erases of one session's queue records with consecutive sequence numbers (a client acknowledging in
// order) are written as one range erase, in place of the last of them: half the entries a queued
// message costs the log, the memtable and its sort at flush. A session whose queue keys are written
// again after an erase within the group (a new session under the same client id reuses numbers) keeps
// point erases for the whole group, so that no range can cover a record written after it.
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
    // `cancelled` counts the records left out, `ranges` the range erases that replaced point erases.
    // The group is empty afterwards.
    rocksdb::WriteBatch merge(std::uint64_t& cancelled, std::uint64_t& ranges);

  private:
    struct Op {
        std::uint32_t batch;
        std::uint32_t op;
        std::int32_t previous;  // earlier operation on the same key (index into chain_), or -1
    };
    // A run of erases of consecutive queue records of one session.
    struct Run {
        std::string_view prefix;  // the session's queue key prefix
        std::uint64_t lo;
        std::uint64_t hi;
        std::uint32_t written = 0;  // members not cancelled (a range is worth it from two)
        std::uint32_t last_batch = 0;
        std::uint32_t last_op = 0;
    };
    // Per session prefix in this group.
    struct PrefixState {
        std::int32_t run = -1;  // its open run (index into runs_)
        std::uint64_t max_erased = 0;
        bool reused = false;   // a queue key written after an erase of one at or above it
        bool created = false;  // a queue record of this session was created in the group
    };
    // What merge() does instead of copying an operation.
    struct Action {
        std::uint32_t batch;
        std::uint32_t op;
        std::int32_t range;  // -1: leave out; else write runs_[range] as a range erase instead
    };
    void find_cancelled();
    PrefixState& state_of(std::string_view prefix);
    void note_erase(PrefixState& st, std::string_view prefix, std::uint64_t seq, std::uint32_t batch,
                    std::uint32_t op, bool cancelled);
    bool coalesced(const Run& r) const;

    std::vector<const Batch*> batches_;
    // Scratch, kept between groups to avoid reallocating.
    std::unordered_map<std::string_view, std::int32_t> live_;  // created key -> latest op in chain_
    std::vector<Op> chain_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> cancelled_;  // (batch, op)
    std::unordered_map<std::string_view, PrefixState> prefixes_;
    std::string_view last_prefix_;  // the prefix state_of() looked up last, and its state
    PrefixState* last_state_ = nullptr;
    std::vector<Run> runs_;
    struct Member {
        std::uint32_t batch;
        std::uint32_t op;
        std::int32_t run;
    };
    std::vector<Member> members_;  // every queue record erase, with its run
    std::vector<Action> actions_;
};

}  // namespace tapmq::persist
