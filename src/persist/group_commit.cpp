#include "persist/group_commit.hpp"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>

namespace tapmq::persist {
namespace {

// A WriteBatch's representation is a 12-byte header (8-byte sequence number, filled in by the write,
// and a 4-byte little-endian record count) followed by its records: the format of RocksDB's write-ahead
// log, stable across versions. Copying records as they are costs a fraction of decoding and re-adding.
constexpr std::size_t kHeader = 12;

void append_records(std::string& rep, const rocksdb::WriteBatch& wb) {
    rep.append(wb.Data(), kHeader, std::string::npos);
}

constexpr std::size_t kQueueSeq = 8;            // the big-endian sequence number ending a queue key
constexpr std::size_t kQueuePrefixMin = 1 + 4;  // kind byte and client id length
constexpr char kQueueKind = 'O';                // persist::detail::Kind::Outgoing

std::uint64_t read_be64(const char* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

std::string queue_key(std::string_view prefix, std::uint64_t seq) {
    std::string k(prefix);
    for (int i = 7; i >= 0; --i)
        k.push_back(static_cast<char>((seq >> (8 * i)) & 0xff));
    return k;
}

// A queue record's key split into the session's prefix and the sequence number (false for any other
// key, or one not shaped as a queue key).
bool split_queue_key(std::string_view key, std::string_view& prefix, std::uint64_t& seq) noexcept {
    if (key.size() < kQueuePrefixMin + kQueueSeq || key.front() != kQueueKind) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(key.data() + 1);
    const std::size_t id_size =
        (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
    if (key.size() != kQueuePrefixMin + id_size + kQueueSeq) return false;
    prefix = key.substr(0, key.size() - kQueueSeq);
    seq = read_be64(key.data() + prefix.size());
    return true;
}

}  // namespace

// Re-adds the records of one batch, leaving out or replacing those its actions name (sorted by
// operation index).
class GroupCommit::Filter : public rocksdb::WriteBatch::Handler {
  public:
    Filter(rocksdb::WriteBatch& out, std::span<const Action> actions, const GroupCommit& group)
        : out_(out), actions_(actions), group_(group) {}

    rocksdb::Status PutCF(std::uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
        if (cf != 0) return unexpected();
        return keep() ? out_.Put(key, value) : replaced();
    }
    rocksdb::Status DeleteCF(std::uint32_t cf, const rocksdb::Slice& key) override {
        if (cf != 0) return unexpected();
        return keep() ? out_.Delete(key) : replaced();
    }
    rocksdb::Status DeleteRangeCF(std::uint32_t cf, const rocksdb::Slice& begin,
                                  const rocksdb::Slice& end) override {
        if (cf != 0) return unexpected();
        return keep() ? out_.DeleteRange(begin, end) : replaced();
    }

  private:
    static rocksdb::Status unexpected() { return rocksdb::Status::NotSupported("column family"); }
    // False when the current operation has an action (then in range_).
    bool keep() {
        const std::uint32_t index = next_++;
        if (!actions_.empty() && actions_.front().op == index) {
            range_ = actions_.front().range;
            actions_ = actions_.subspan(1);
            return false;
        }
        return true;
    }
    rocksdb::Status replaced() {
        if (range_ < 0) return rocksdb::Status::OK();
        const Run& r = group_.runs_[static_cast<std::size_t>(range_)];
        return out_.DeleteRange(queue_key(r.prefix, r.lo), queue_key(r.prefix, r.hi + 1));
    }

    rocksdb::WriteBatch& out_;
    std::span<const Action> actions_;
    const GroupCommit& group_;
    std::uint32_t next_ = 0;
    std::int32_t range_ = -1;
};

void GroupCommit::note_queue_key(std::string_view key, Batch::Transient::Role role, std::uint32_t batch,
                                 std::uint32_t op, bool cancelled) {
    std::string_view prefix;
    std::uint64_t seq = 0;
    if (!split_queue_key(key, prefix, seq)) return;
    if (role != Batch::Transient::Erase) {
        // Written again after an erase at or above it: numbers are being reused.
        if (auto it = prefixes_.find(prefix); it != prefixes_.end() && seq <= it->second.max_erased)
            it->second.reused = true;
        return;
    }
    PrefixState& st = prefixes_[prefix];
    if (seq > st.max_erased) st.max_erased = seq;
    Run* run = st.run >= 0 ? &runs_[static_cast<std::size_t>(st.run)] : nullptr;
    if (run == nullptr || run->hi == std::numeric_limits<std::uint64_t>::max() || seq != run->hi + 1) {
        runs_.push_back({prefix, seq, seq});
        st.run = static_cast<std::int32_t>(runs_.size() - 1);
        run = &runs_.back();
    }
    run->hi = seq;
    run->last_batch = batch;
    run->last_op = op;
    if (!cancelled) ++run->written;
    members_.push_back({batch, op, st.run});
}

bool GroupCommit::coalesced(const Run& r) const {
    return r.written >= 2 && !prefixes_.find(r.prefix)->second.reused;
}

void GroupCommit::find_cancelled() {
    live_.clear();
    chain_.clear();
    cancelled_.clear();
    prefixes_.clear();
    runs_.clear();
    members_.clear();
    for (std::uint32_t bi = 0; bi < batches_.size(); ++bi) {
        const Batch& b = *batches_[bi];
        for (const Batch::Transient& t : b.transients_) {
            const std::string_view key(b.transient_keys_.data() + t.key_begin, t.key_size);
            switch (t.role) {
                case Batch::Transient::Create:
                    chain_.push_back({bi, t.op, -1});
                    live_.insert_or_assign(key, static_cast<std::int32_t>(chain_.size() - 1));
                    note_queue_key(key, t.role, bi, t.op, false);
                    break;
                case Batch::Transient::Update:
                    if (auto it = live_.find(key); it != live_.end()) {
                        chain_.push_back({bi, t.op, it->second});
                        it->second = static_cast<std::int32_t>(chain_.size() - 1);
                    }
                    note_queue_key(key, t.role, bi, t.op, false);
                    break;
                case Batch::Transient::Erase: {
                    bool cancelled = false;
                    if (auto it = live_.find(key); it != live_.end()) {
                        for (std::int32_t i = it->second; i >= 0;
                             i = chain_[static_cast<std::size_t>(i)].previous)
                            cancelled_.emplace_back(chain_[static_cast<std::size_t>(i)].batch,
                                                    chain_[static_cast<std::size_t>(i)].op);
                        cancelled_.emplace_back(bi, t.op);
                        live_.erase(it);
                        cancelled = true;
                    }
                    note_queue_key(key, t.role, bi, t.op, cancelled);
                    break;
                }
            }
        }
    }
}

rocksdb::WriteBatch GroupCommit::merge(std::uint64_t& cancelled, std::uint64_t& ranges) {
    find_cancelled();
    cancelled = cancelled_.size();
    // What to leave out or replace: cancelled records, and the erases a range takes the place of (a
    // cancelled erase in a range is one of them).
    actions_.clear();
    ranges = 0;
    for (const Member& m : members_) {
        const Run& r = runs_[static_cast<std::size_t>(m.run)];
        if (!coalesced(r)) continue;
        const bool last = m.batch == r.last_batch && m.op == r.last_op;
        actions_.push_back({m.batch, m.op, last ? m.run : -1});
        if (last) ++ranges;
    }
    for (const auto& [bi, op] : cancelled_)
        actions_.push_back({bi, op, -1});
    // A cancelled erase may be listed twice: keep one entry, the range's if it has one.
    std::sort(actions_.begin(), actions_.end(),
              [](const Action& a, const Action& b) { return a < b || (!(b < a) && a.range > b.range); });
    actions_.erase(std::unique(actions_.begin(), actions_.end(),
                               [](const Action& a, const Action& b) { return !(a < b) && !(b < a); }),
                   actions_.end());

    std::size_t bytes = kHeader;
    for (const Batch* b : batches_)
        if (b->wb_) bytes += b->wb_->GetDataSize() - kHeader;
    std::string rep;
    rep.reserve(bytes);
    rep.append(kHeader, '\0');
    std::uint32_t count = 0;
    auto next = actions_.begin();
    for (std::uint32_t bi = 0; bi < batches_.size(); ++bi) {
        const Batch& b = *batches_[bi];
        const auto first = next;
        while (next != actions_.end() && next->batch == bi)
            ++next;
        if (!b.wb_) continue;
        if (first == next) {
            append_records(rep, *b.wb_);
            count += b.wb_->Count();
            continue;
        }
        rocksdb::WriteBatch kept;
        Filter filter(kept, std::span<const Action>(first, next), *this);
        const rocksdb::Status s = b.wb_->Iterate(&filter);
        if (!s.ok()) throw std::logic_error("tapmq persist: cannot filter a batch: " + s.ToString());
        append_records(rep, kept);
        count += kept.Count();
    }
    for (int i = 0; i < 4; ++i)
        rep[8 + static_cast<std::size_t>(i)] = static_cast<char>((count >> (8 * i)) & 0xff);
    batches_.clear();
    return rocksdb::WriteBatch(std::move(rep));
}

}  // namespace tapmq::persist
