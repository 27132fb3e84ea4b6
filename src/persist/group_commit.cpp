#include "persist/group_commit.hpp"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <limits>
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

std::uint32_t read_varint32(std::string_view rep, std::size_t& pos) {
    std::uint32_t v = 0;
    for (int shift = 0; shift <= 28 && pos < rep.size(); shift += 7) {
        const auto byte = static_cast<unsigned char>(rep[pos++]);
        v |= static_cast<std::uint32_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return v;
    }
    throw std::logic_error("tapmq persist: malformed write batch (length)");
}

void put_varint32(std::string& out, std::size_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

// The end of the record of a WriteBatch representation starting at `pos`. The store writes puts,
// erases and range erases of the default column family only.
std::size_t record_end(std::string_view rep, std::size_t pos) {
    constexpr char kDeletion = 0x0, kValue = 0x1, kRangeDeletion = 0xF;
    const char tag = rep.at(pos++);
    const int fields = tag == kDeletion ? 1 : (tag == kValue || tag == kRangeDeletion) ? 2 : 0;
    if (fields == 0) throw std::logic_error("tapmq persist: unexpected record in a write batch");
    for (int i = 0; i < fields; ++i)
        pos += read_varint32(rep, pos);
    if (pos > rep.size()) throw std::logic_error("tapmq persist: malformed write batch (truncated)");
    return pos;
}

}  // namespace

GroupCommit::PrefixState& GroupCommit::state_of(std::string_view prefix) {
    // A batch usually holds several records of one session: look the same prefix up once.
    if (last_state_ == nullptr || prefix != last_prefix_) {
        last_state_ = &prefixes_[prefix];  // node-based: the reference stays valid
        last_prefix_ = prefix;
    }
    return *last_state_;
}

void GroupCommit::note_erase(PrefixState& st, std::string_view prefix, std::uint64_t seq, std::uint32_t batch,
                             std::uint32_t op, bool cancelled) {
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
    last_state_ = nullptr;
    for (std::uint32_t bi = 0; bi < batches_.size(); ++bi) {
        const Batch& b = *batches_[bi];
        for (const Batch::Transient& t : b.transients_) {
            const std::string_view key(b.transient_keys_.data() + t.key_begin, t.key_size);
            std::string_view prefix;
            std::uint64_t seq = 0;
            PrefixState* st = split_queue_key(key, prefix, seq) ? &state_of(prefix) : nullptr;
            // Only a key this group created can cancel: for a session with no queue record created
            // in the group, its rewrites and erases need no lookup.
            const bool may_be_live = st == nullptr || st->created;
            switch (t.role) {
                case Batch::Transient::Create:
                    chain_.push_back({bi, t.op, -1});
                    live_.insert_or_assign(key, static_cast<std::int32_t>(chain_.size() - 1));
                    if (st != nullptr) {
                        st->created = true;
                        // Written again after an erase at or above it: numbers are being reused.
                        if (seq <= st->max_erased) st->reused = true;
                    }
                    break;
                case Batch::Transient::Update:
                    if (auto it = may_be_live ? live_.find(key) : live_.end(); it != live_.end()) {
                        chain_.push_back({bi, t.op, it->second});
                        it->second = static_cast<std::int32_t>(chain_.size() - 1);
                    }
                    if (st != nullptr && seq <= st->max_erased) st->reused = true;
                    break;
                case Batch::Transient::Erase: {
                    bool cancelled = false;
                    if (auto it = may_be_live ? live_.find(key) : live_.end(); it != live_.end()) {
                        for (std::int32_t i = it->second; i >= 0;
                             i = chain_[static_cast<std::size_t>(i)].previous)
                            cancelled_.emplace_back(chain_[static_cast<std::size_t>(i)].batch,
                                                    chain_[static_cast<std::size_t>(i)].op);
                        cancelled_.emplace_back(bi, t.op);
                        live_.erase(it);
                        cancelled = true;
                    }
                    if (st != nullptr) note_erase(*st, prefix, seq, bi, t.op, cancelled);
                    break;
                }
            }
        }
    }
}

rocksdb::WriteBatch GroupCommit::merge(std::uint64_t& cancelled, std::uint64_t& ranges) {
    find_cancelled();
    cancelled = cancelled_.size();
    // What to leave out or replace, in (batch, operation) order: the erases a range takes the place
    // of (listed in that order already) and cancelled records; a cancelled erase inside a range is
    // listed once, as the range's.
    std::sort(cancelled_.begin(), cancelled_.end());
    actions_.clear();
    ranges = 0;
    auto c = cancelled_.begin();
    const auto take_cancelled_before = [&](std::uint32_t batch, std::uint32_t op) {
        for (; c != cancelled_.end() && std::pair(c->first, c->second) < std::pair(batch, op); ++c)
            actions_.push_back({c->first, c->second, -1});
        if (c != cancelled_.end() && c->first == batch && c->second == op) ++c;
    };
    for (const Member& m : members_) {
        const Run& r = runs_[static_cast<std::size_t>(m.run)];
        if (!coalesced(r)) continue;
        take_cancelled_before(m.batch, m.op);
        const bool last = m.batch == r.last_batch && m.op == r.last_op;
        actions_.push_back({m.batch, m.op, last ? m.run : -1});
        if (last) ++ranges;
    }
    take_cancelled_before(std::numeric_limits<std::uint32_t>::max(), 0);

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
        if (!b.wb_) continue;
        if (next == actions_.end() || next->batch != bi) {
            append_records(rep, *b.wb_);
            count += b.wb_->Count();
            continue;
        }
        // Copies the records as they are, in spans, leaving out or replacing those with an action.
        const std::string_view src(b.wb_->Data());
        std::size_t pos = kHeader;
        std::size_t kept_from = pos;
        const std::uint32_t ops = b.wb_->Count();
        for (std::uint32_t op = 0; op < ops; ++op) {
            const std::size_t end = record_end(src, pos);
            if (next != actions_.end() && next->batch == bi && next->op == op) {
                rep.append(src.substr(kept_from, pos - kept_from));
                if (next->range >= 0) {
                    const Run& r = runs_[static_cast<std::size_t>(next->range)];
                    const std::string from = queue_key(r.prefix, r.lo);
                    const std::string to = queue_key(r.prefix, r.hi + 1);
                    rep.push_back(0xF);  // kTypeRangeDeletion
                    put_varint32(rep, from.size());
                    rep.append(from);
                    put_varint32(rep, to.size());
                    rep.append(to);
                    ++count;
                }
                ++next;
                kept_from = end;
            } else {
                ++count;
            }
            pos = end;
        }
        if (pos != src.size()) throw std::logic_error("tapmq persist: write batch count mismatch");
        rep.append(src.substr(kept_from, pos - kept_from));
    }
    for (int i = 0; i < 4; ++i)
        rep[8 + static_cast<std::size_t>(i)] = static_cast<char>((count >> (8 * i)) & 0xff);
    batches_.clear();
    return rocksdb::WriteBatch(std::move(rep));
}

}  // namespace tapmq::persist
