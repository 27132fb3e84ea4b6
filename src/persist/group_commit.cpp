#include "persist/group_commit.hpp"

#include <rocksdb/write_batch.h>

#include <algorithm>
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

// Re-adds the records of one batch except the listed ones (sorted operation indices).
class Filter : public rocksdb::WriteBatch::Handler {
  public:
    Filter(rocksdb::WriteBatch& out, std::span<const std::uint32_t> skip) : out_(out), skip_(skip) {}

    rocksdb::Status PutCF(std::uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
        if (cf != 0) return unexpected();
        return keep() ? out_.Put(key, value) : rocksdb::Status::OK();
    }
    rocksdb::Status DeleteCF(std::uint32_t cf, const rocksdb::Slice& key) override {
        if (cf != 0) return unexpected();
        return keep() ? out_.Delete(key) : rocksdb::Status::OK();
    }
    rocksdb::Status DeleteRangeCF(std::uint32_t cf, const rocksdb::Slice& begin,
                                  const rocksdb::Slice& end) override {
        if (cf != 0) return unexpected();
        return keep() ? out_.DeleteRange(begin, end) : rocksdb::Status::OK();
    }

  private:
    static rocksdb::Status unexpected() { return rocksdb::Status::NotSupported("column family"); }
    bool keep() {
        const std::uint32_t index = next_++;
        if (!skip_.empty() && skip_.front() == index) {
            skip_ = skip_.subspan(1);
            return false;
        }
        return true;
    }

    rocksdb::WriteBatch& out_;
    std::span<const std::uint32_t> skip_;
    std::uint32_t next_ = 0;
};

}  // namespace

void GroupCommit::find_cancelled() {
    live_.clear();
    chain_.clear();
    cancelled_.clear();
    for (std::uint32_t bi = 0; bi < batches_.size(); ++bi) {
        const Batch& b = *batches_[bi];
        for (const Batch::Transient& t : b.transients_) {
            const std::string_view key(b.transient_keys_.data() + t.key_begin, t.key_size);
            switch (t.role) {
                case Batch::Transient::Create:
                    chain_.push_back({bi, t.op, -1});
                    live_.insert_or_assign(key, static_cast<std::int32_t>(chain_.size() - 1));
                    break;
                case Batch::Transient::Update:
                    if (auto it = live_.find(key); it != live_.end()) {
                        chain_.push_back({bi, t.op, it->second});
                        it->second = static_cast<std::int32_t>(chain_.size() - 1);
                    }
                    break;
                case Batch::Transient::Erase:
                    if (auto it = live_.find(key); it != live_.end()) {
                        for (std::int32_t i = it->second; i >= 0;
                             i = chain_[static_cast<std::size_t>(i)].previous)
                            cancelled_.emplace_back(chain_[static_cast<std::size_t>(i)].batch,
                                                    chain_[static_cast<std::size_t>(i)].op);
                        cancelled_.emplace_back(bi, t.op);
                        live_.erase(it);
                    }
                    break;
            }
        }
    }
}

rocksdb::WriteBatch GroupCommit::merge(std::uint64_t& cancelled) {
    find_cancelled();
    cancelled = cancelled_.size();
    std::sort(cancelled_.begin(), cancelled_.end());

    std::size_t bytes = kHeader;
    for (const Batch* b : batches_)
        if (b->wb_) bytes += b->wb_->GetDataSize() - kHeader;
    std::string rep;
    rep.reserve(bytes);
    rep.append(kHeader, '\0');
    std::uint32_t count = 0;
    std::vector<std::uint32_t> skip;
    auto next = cancelled_.begin();
    for (std::uint32_t bi = 0; bi < batches_.size(); ++bi) {
        const Batch& b = *batches_[bi];
        skip.clear();
        for (; next != cancelled_.end() && next->first == bi; ++next)
            skip.push_back(next->second);
        if (!b.wb_) continue;
        if (skip.empty()) {
            append_records(rep, *b.wb_);
            count += b.wb_->Count();
            continue;
        }
        rocksdb::WriteBatch kept;
        Filter filter(kept, skip);
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
