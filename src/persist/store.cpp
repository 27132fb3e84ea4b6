#include "persist/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/listener.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "persist/codec.hpp"
#include "persist/group_commit.hpp"
#include "persist/wal_check.hpp"

namespace tapmq::persist {

namespace fs = std::filesystem;
using namespace detail;

namespace {

// Largest merged write: everything pending up to this many bytes goes into one RocksDB write.
constexpr std::size_t kMaxGroupBytes = 8u << 20;

// RocksDB counts every key comparison in a thread-local perf context unless the thread says not to;
// its background threads (flush: sorting the memtable; compaction) say so when their job starts.
class QuietBackgroundThreads final : public rocksdb::EventListener {
  public:
    void OnFlushBegin(rocksdb::DB*, const rocksdb::FlushJobInfo&) override {
        rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    }
    void OnCompactionBegin(rocksdb::DB*, const rocksdb::CompactionJobInfo&) override {
        rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    }
};

std::string printable(std::string_view s, std::size_t max = 64) {
    std::string out;
    for (std::size_t i = 0; i < s.size() && i < max; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out.push_back(static_cast<char>(c));
        } else {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    if (s.size() > max) out += "...";
    return out;
}

std::string describe_key(std::string_view key) {
    try {
        auto p = parse_key(key);
        std::string d = kind_name(p.kind);
        switch (p.kind) {
            case Kind::Message:
                return d + " " + std::to_string(p.number);
            case Kind::Retained:
                return d + " '" + printable(p.text) + "'";
            case Kind::Session:
            case Kind::Will:
                return d + " of client '" + printable(p.client_id) + "'";
            case Kind::Subscription:
                return d + " of client '" + printable(p.client_id) + "' to '" + printable(p.text) + "'";
            case Kind::Outgoing:
                return d + " seq " + std::to_string(p.number) + " of client '" + printable(p.client_id) + "'";
            case Kind::IncomingQos2:
                return d + " packet id " + std::to_string(p.number) + " of client '" +
                       printable(p.client_id) + "'";
        }
        return d;
    } catch (const DecodeError&) {
        return "key '" + printable(key) + "'";
    }
}

bool status_means_corrupt(const rocksdb::Status& s) {
    return s.IsCorruption() || s.IsNotFound() || s.IsPathNotFound();
}

void fsync_dir(const fs::path& dir) {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)::fsync(fd);
    ::close(fd);
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// Keeps other processes (fcntl lock on DIR/LOCK, the lock RocksDB itself takes) and other Stores in this
// process (fcntl locks are per process) out of a store directory while it is inspected and open. Must be
// released after RocksDB is closed.
class DirLock {
  public:
    explicit DirLock(const fs::path& dir) : dir_(dir) {
        std::error_code ec;
        key_ = fs::canonical(dir, ec).string();
        if (ec) key_ = fs::absolute(dir).string();
        {
            std::lock_guard lk(registry_mu());
            if (!registry().insert(key_).second) throw StoreError(dir, "already open in this process");
        }
        fd_ = ::open((dir / "LOCK").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) {
            int e = errno;
            release();
            throw StoreError(dir, std::string("cannot open the LOCK file: ") + std::strerror(e));
        }
        struct flock fl {};
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        if (::fcntl(fd_, F_SETLK, &fl) != 0) {
            int e = errno;
            release();
            throw StoreError(
                dir, std::string("in use by another process (cannot lock LOCK: ") + std::strerror(e) + ")");
        }
    }
    ~DirLock() { release(); }
    DirLock(const DirLock&) = delete;
    DirLock& operator=(const DirLock&) = delete;

  private:
    static std::mutex& registry_mu() {
        static std::mutex m;
        return m;
    }
    static std::set<std::string>& registry() {
        static std::set<std::string> r;
        return r;
    }
    void release() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        if (!key_.empty()) {
            std::lock_guard lk(registry_mu());
            registry().erase(key_);
            key_.clear();
        }
    }
    fs::path dir_;
    std::string key_;
    int fd_ = -1;
};

void check(const rocksdb::Status& s) {
    if (!s.ok()) throw std::invalid_argument("tapmq persist: " + s.ToString());
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
StoreError::StoreError(const fs::path& dir, const std::string& problem, bool corrupt)
    : std::runtime_error("tapmq store " + dir.string() + ": " + problem), dir_(dir), corrupt_(corrupt) {}

// ---------------------------------------------------------------------------------------------------------
Batch::Batch() = default;
Batch::~Batch() = default;
Batch::Batch(Batch&& o) noexcept = default;
Batch& Batch::operator=(Batch&& o) noexcept = default;

rocksdb::WriteBatch& Batch::wb() {
    if (!wb_) wb_ = std::make_unique<rocksdb::WriteBatch>();
    return *wb_;
}

std::string_view Batch::note(Transient::Role role, std::string_view key) {
    const auto begin = static_cast<std::uint32_t>(transient_keys_.size());
    transients_.push_back(
        {static_cast<std::uint32_t>(wb().Count()), begin, static_cast<std::uint32_t>(key.size()), role});
    transient_keys_ += key;
    return std::string_view(transient_keys_).substr(begin);
}

std::string_view Batch::note_outgoing(Transient::Role role, std::string_view client_id, std::uint64_t seq) {
    const auto begin = static_cast<std::uint32_t>(transient_keys_.size());
    append_outgoing_key(transient_keys_, client_id, seq);
    const auto size = static_cast<std::uint32_t>(transient_keys_.size() - begin);
    transients_.push_back({static_cast<std::uint32_t>(wb().Count()), begin, size, role});
    return std::string_view(transient_keys_).substr(begin);
}

void Batch::put_message(const StoredMessage& m) {
    put_message(MessageView::of(m));
}
void Batch::put_message(const MessageView& m) {
    check(wb().Put(message_key(m.id), encode_message(m)));
}
void Batch::create_message(const StoredMessage& m) {
    create_message(MessageView::of(m));
}
void Batch::create_message(const MessageView& m) {
    const std::string value = encode_message(m);  // validates before anything is noted
    check(wb().Put(note(Transient::Create, message_key(m.id)), value));
}
void Batch::erase_message(std::uint64_t id) {
    check(wb().Delete(note(Transient::Erase, message_key(id))));
}

void Batch::put_retained(const StoredMessage& m) {
    put_retained(MessageView::of(m));
}
void Batch::put_retained(const MessageView& m) {
    check(wb().Put(retained_key(m.topic), encode_message(m)));
}
void Batch::erase_retained(std::string_view topic) {
    check(wb().Delete(retained_key(topic)));
}

void Batch::put_session(const StoredSession& s) {
    check(wb().Put(client_key(Kind::Session, s.client_id), encode_session(s)));
}
void Batch::erase_session(std::string_view client_id) {
    check(wb().Delete(client_key(Kind::Session, client_id)));
    check(wb().Delete(client_key(Kind::Will, client_id)));
    for (Kind k : {Kind::Subscription, Kind::Outgoing, Kind::IncomingQos2}) {
        auto prefix = client_key(k, client_id);
        check(wb().DeleteRange(prefix, prefix_end(prefix)));
    }
}

void Batch::put_subscription(std::string_view client_id, std::string_view filter, std::uint8_t options,
                             std::uint32_t identifier) {
    check(wb().Put(subscription_key(client_id, filter), encode_subscription(options, identifier)));
}
void Batch::erase_subscription(std::string_view client_id, std::string_view filter) {
    check(wb().Delete(subscription_key(client_id, filter)));
}

void Batch::write_outgoing(Transient::Role role, std::string_view client_id, std::uint64_t seq,
                           const OutgoingView& o) {
    // One record per message queued for a persistent session: encoded into a buffer the thread
    // keeps, the key written straight into the notes (validated before anything is noted).
    thread_local std::string value;
    encode_outgoing(o, value);
    check(wb().Put(note_outgoing(role, client_id, seq), value));
}
void Batch::put_outgoing(std::string_view client_id, std::uint64_t seq, const StoredOutgoing& o) {
    MessageView m;
    write_outgoing(Transient::Update, client_id, seq, OutgoingView::of(o, m));
}
void Batch::put_outgoing(std::string_view client_id, std::uint64_t seq, const OutgoingView& o) {
    write_outgoing(Transient::Update, client_id, seq, o);
}
void Batch::create_outgoing(std::string_view client_id, std::uint64_t seq, const StoredOutgoing& o) {
    MessageView m;
    write_outgoing(Transient::Create, client_id, seq, OutgoingView::of(o, m));
}
void Batch::create_outgoing(std::string_view client_id, std::uint64_t seq, const OutgoingView& o) {
    write_outgoing(Transient::Create, client_id, seq, o);
}
void Batch::erase_outgoing(std::string_view client_id, std::uint64_t seq) {
    check(wb().Delete(note_outgoing(Transient::Erase, client_id, seq)));
}

void Batch::put_incoming_qos2(std::string_view client_id, std::uint16_t packet_id) {
    check(wb().Put(incoming_qos2_key(client_id, packet_id), encode_incoming_qos2()));
}
void Batch::erase_incoming_qos2(std::string_view client_id, std::uint16_t packet_id) {
    check(wb().Delete(incoming_qos2_key(client_id, packet_id)));
}

void Batch::put_will(std::string_view client_id, const StoredWill& w) {
    check(wb().Put(client_key(Kind::Will, client_id), encode_will(w)));
}
void Batch::erase_will(std::string_view client_id) {
    check(wb().Delete(client_key(Kind::Will, client_id)));
}

bool Batch::empty() const {
    return operations() == 0;
}
std::size_t Batch::operations() const {
    return wb_ ? wb_->Count() : 0;
}
std::size_t Batch::size_bytes() const {
    return wb_ ? wb_->GetDataSize() : 0;
}
void Batch::clear() {
    wb_.reset();
    transients_.clear();
    transient_keys_.clear();
}

// ---------------------------------------------------------------------------------------------------------
struct Store::Impl {
    StoreOptions opts;
    fs::path dir;
    std::string note;
    std::unique_ptr<DirLock> lock;  // released after db is closed
    std::unique_ptr<rocksdb::DB> db;
    rocksdb::WriteOptions write_options;

    struct Item {
        Batch batch;  // its wb_ is never null here
        std::function<void()> done;
    };
    mutable std::mutex mu;
    std::condition_variable cv_work;
    std::condition_variable cv_done;
    std::deque<Item> queue;
    std::uint64_t submitted = 0;
    std::uint64_t completed = 0;
    bool stopping = false;
    bool failed = false;
    std::string failure;
    std::vector<std::thread> writers;

    std::atomic<std::uint64_t> st_batches{0}, st_writes{0}, st_syncs{0}, st_bytes{0}, st_cancelled{0},
        st_ranges{0};
    std::array<std::atomic<std::uint64_t>, 13> st_sync_buckets{};
    std::atomic<std::uint64_t> st_sync_micros{0};

    explicit Impl(const StoreOptions& o) : opts(o), dir(o.dir) {
        if (!dir.empty() && !dir.has_filename()) dir = dir.parent_path();  // "a/b/" -> "a/b"
        write_options.sync = opts.durability == Durability::Fsync;
    }

    ~Impl() {
        {
            std::lock_guard lk(mu);
            stopping = true;
        }
        cv_work.notify_all();
        for (auto& t : writers)
            t.join();
        if (db) {
            if (!failed) (void)db->FlushWAL(/*sync=*/true);
            (void)db->Close();
            db.reset();
        }
        lock.reset();
    }

    [[noreturn]] void fail(const std::string& problem, bool corrupt) const {
        throw StoreError(dir, problem, corrupt);
    }

    static rocksdb::Options rocksdb_options() {
        rocksdb::Options o;
        o.paranoid_checks = true;
        o.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
        o.manual_wal_flush = false;
        o.recycle_log_file_num = 0;  // recycled logs defeat the torn-tail analysis of wal_check
        o.write_buffer_size = 16u << 20;
        o.max_write_buffer_number = 3;
        o.max_total_wal_size = 64u << 20;
        o.max_background_jobs = 2;
        o.level_compaction_dynamic_level_bytes = true;
        o.keep_log_file_num = 4;
        o.max_log_file_size = 8u << 20;
        o.max_manifest_file_size = 64u << 20;
        // The memtable is only ever written while the broker runs (reads happen at start-up), so it
        // is a plain vector sorted when it is flushed, in RocksDB's background thread: a skip list
        // would do the same comparisons on the writer thread, inside every acknowledgement's latency.
        // One writer thread, so no concurrent memtable writes.
        o.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
        o.allow_concurrent_memtable_write = false;
        o.listeners.push_back(std::make_shared<QuietBackgroundThreads>());
        rocksdb::BlockBasedTableOptions t;
        t.block_cache = rocksdb::NewLRUCache(16u << 20);
        t.block_size = 16u << 10;
        o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
        return o;
    }

    void open_db() {
        if (dir.empty()) fail("no directory given", false);
        std::error_code ec;
        auto st = fs::status(dir, ec);
        if (ec && ec != std::errc::no_such_file_or_directory) fail("cannot stat: " + ec.message(), false);
        if (!fs::exists(st)) {
            fs::create_directories(dir, ec);
            if (ec) fail("cannot create directory: " + ec.message(), false);
            fsync_dir(dir.parent_path());
        } else if (!fs::is_directory(st)) {
            fail("not a directory", false);
        }

        // What is in the directory? Looked at before locking (not to litter a foreign directory with a LOCK
        // file) and again once locked.
        struct Contents {
            bool has_current = false;
            bool has_data = false;
            std::vector<fs::path> logs;
            std::string foreign;
        };
        auto list = [&] {
            Contents c;
            for (const auto& e : fs::directory_iterator(dir, ec)) {
                auto name = e.path().filename().string();
                if (name == "CURRENT") {
                    c.has_current = true;
                } else if (ends_with(name, ".log")) {
                    c.has_data = true;
                    c.logs.push_back(e.path());
                } else if (ends_with(name, ".sst") || ends_with(name, ".blob")) {
                    c.has_data = true;
                } else if (!(name == "LOCK" || name == "LOG" || name == "IDENTITY" ||
                             starts_with(name, "LOG.old") || starts_with(name, "MANIFEST-") ||
                             starts_with(name, "OPTIONS-") || ends_with(name, ".dbtmp"))) {
                    if (c.foreign.empty()) c.foreign = name;
                }
            }
            if (ec) fail("cannot list directory: " + ec.message(), false);
            if (!c.has_current) {
                // A store whose creation was interrupted has no data files yet; anything else without
                // CURRENT is either damaged or not ours.
                if (!c.foreign.empty())
                    fail("not a tapmq store: no CURRENT file, and it holds other files (e.g. '" + c.foreign +
                             "')",
                         false);
                if (c.has_data) fail("corrupt: RocksDB data files but no CURRENT file", true);
            }
            return c;
        };
        list();
        lock = std::make_unique<DirLock>(dir);
        auto contents = list();
        const bool has_current = contents.has_current;
        auto& logs = contents.logs;

        std::sort(logs.begin(), logs.end());
        for (const auto& log : logs) {
            std::string problem;
            try {
                problem = check_wal_file(log);
            } catch (const std::system_error& e) {
                fail(e.what(), false);
            }
            if (!problem.empty()) fail("corrupt: " + problem, true);
        }

        auto options = rocksdb_options();
        options.create_if_missing = !has_current;
        rocksdb::DB* raw = nullptr;
        auto s = rocksdb::DB::Open(options, dir.string(), &raw);
        if (!s.ok()) {
            delete raw;
            bool corrupt = status_means_corrupt(s);
            fail(std::string(corrupt ? "corrupt: " : "") + "cannot open RocksDB: " + s.ToString(), corrupt);
        }
        db.reset(raw);
        check_format();
        verify();
    }

    std::unique_ptr<rocksdb::Iterator> iterator(const rocksdb::Slice* upper = nullptr) const {
        rocksdb::ReadOptions ro;
        ro.verify_checksums = true;
        ro.fill_cache = false;
        ro.iterate_upper_bound = upper;
        return std::unique_ptr<rocksdb::Iterator>(db->NewIterator(ro));
    }

    void check_iterator(const rocksdb::Iterator& it) const {
        const auto& s = it.status();
        if (!s.ok()) {
            bool corrupt = status_means_corrupt(s);
            fail(std::string(corrupt ? "corrupt: " : "") + "cannot read: " + s.ToString(), corrupt);
        }
    }

    void check_format() {
        std::string value;
        rocksdb::ReadOptions ro;
        ro.verify_checksums = true;
        auto s = db->Get(ro, std::string(kFormatKey), &value);
        if (s.IsNotFound()) {
            auto it = iterator();
            it->SeekToFirst();
            check_iterator(*it);
            if (it->Valid())
                fail("corrupt or not a tapmq store: no meta/format marker but it holds data", true);
            rocksdb::WriteOptions wo;
            wo.sync = true;
            s = db->Put(wo, std::string(kFormatKey), encode_format(kFormatVersion));
            if (!s.ok()) fail("cannot write the format marker: " + s.ToString(), false);
            return;
        }
        if (!s.ok()) {
            bool corrupt = status_means_corrupt(s);
            fail(std::string(corrupt ? "corrupt: " : "") + "cannot read the format marker: " + s.ToString(),
                 corrupt);
        }
        std::uint32_t format = 0;
        try {
            format = decode_format(value);
        } catch (const DecodeError& e) {
            fail(std::string("corrupt: cannot decode the meta/format marker: ") + e.what(), true);
        }
        if (format < kFormatVersion &&
            format >= 1) {  // readable as it is; later writes use this format's records
            rocksdb::WriteOptions wo;
            wo.sync = true;
            s = db->Put(wo, std::string(kFormatKey), encode_format(kFormatVersion));
            if (!s.ok()) fail("cannot upgrade the format marker: " + s.ToString(), false);
            return;
        }
        if (format != kFormatVersion)
            fail("unknown format version " + std::to_string(format) + " (this tapmqd reads versions 1 to " +
                     std::to_string(kFormatVersion) + ")",
                 true);
    }

    // Decodes one record; throws StoreError naming the key kind if it does not decode.
    template <typename F>
    void decode_record(const rocksdb::Slice& key, const rocksdb::Slice& value, F&& f) const {
        std::string_view k(key.data(), key.size());
        std::string_view v(value.data(), value.size());
        ParsedKey p;
        try {
            p = parse_key(k);
        } catch (const DecodeError& e) {
            fail("corrupt: undecodable key '" + printable(k) + "': " + e.what(), true);
        }
        try {
            f(p, v);
        } catch (const DecodeError& e) {
            fail("corrupt: cannot decode " + describe_key(k) + ": " + e.what(), true);
        }
    }

    static void dispatch(const ParsedKey& p, std::string_view v, Visitor* vis) {
        switch (p.kind) {
            case Kind::Message: {
                auto m = decode_message(v);
                if (m.id != p.number) throw DecodeError("id in value differs from key");
                if (vis) vis->message(std::move(m));
                break;
            }
            case Kind::Retained: {
                auto m = decode_message(v);
                if (m.topic != p.text) throw DecodeError("topic in value differs from key");
                if (vis) vis->retained(std::move(m));
                break;
            }
            case Kind::Session: {
                auto s = decode_session(v);
                s.client_id = p.client_id;
                if (vis) vis->session(std::move(s));
                break;
            }
            case Kind::Subscription: {
                auto s = decode_subscription(v);
                if (vis) vis->subscription(p.client_id, p.text, s.options, s.identifier);
                break;
            }
            case Kind::Outgoing: {
                auto o = decode_outgoing(v);
                if (vis) vis->outgoing(p.client_id, p.number, std::move(o));
                break;
            }
            case Kind::IncomingQos2:
                decode_incoming_qos2(v);
                if (vis) vis->incoming_qos2(p.client_id, static_cast<std::uint16_t>(p.number));
                break;
            case Kind::Will: {
                auto w = decode_will(v);
                if (vis) vis->will(p.client_id, std::move(w));
                break;
            }
        }
    }

    // Reads and decodes every record (checks RocksDB's block checksums and our own value checksums).
    void verify() const {
        auto it = iterator();
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            auto key = it->key();
            if (key.starts_with(rocksdb::Slice(kMetaPrefix.data(), kMetaPrefix.size()))) {
                if (key.ToStringView() != kFormatKey)
                    fail("corrupt: unknown key '" + printable(key.ToStringView()) + "'", true);
                continue;
            }
            decode_record(key, it->value(),
                          [](const ParsedKey& p, std::string_view v) { dispatch(p, v, nullptr); });
        }
        check_iterator(*it);
    }

    void load(Visitor& vis) const {
        for (Kind k : {Kind::Message, Kind::Retained, Kind::Session, Kind::Subscription, Kind::Outgoing,
                       Kind::IncomingQos2, Kind::Will}) {
            std::string begin(1, static_cast<char>(k));
            std::string end = prefix_end(begin);
            rocksdb::Slice upper(end);
            auto it = iterator(&upper);
            for (it->Seek(begin); it->Valid(); it->Next())
                decode_record(it->key(), it->value(),
                              [&](const ParsedKey& p, std::string_view v) { dispatch(p, v, &vis); });
            check_iterator(*it);
        }
    }

    // ---- writing ----
    void start_writers() {
        if (opts.bench_write_threads == 0) {
            writers.emplace_back([this] { merge_loop(); });
        } else {
            for (unsigned i = 0; i < opts.bench_write_threads; ++i)
                writers.emplace_back([this] { single_loop(); });
        }
    }

    void submit(Batch&& b, std::function<void()> done) {
        Item item{std::move(b), std::move(done)};
        item.batch.wb();
        {
            std::lock_guard lk(mu);
            if (failed) return;  // dropped: the store has stopped (see StoreOptions::on_failure)
            queue.push_back(std::move(item));
            ++submitted;
        }
        cv_work.notify_one();
    }

    void note_sync(std::chrono::steady_clock::duration took) {
        const double seconds = std::chrono::duration<double>(took).count();
        std::size_t i = 0;
        while (i < Store::kSyncBucketSeconds.size() && seconds > Store::kSyncBucketSeconds[i])
            ++i;
        st_sync_buckets[i].fetch_add(1, std::memory_order_relaxed);
        st_sync_micros.fetch_add(
            static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(took).count()),
            std::memory_order_relaxed);
    }

    // Takes the next group of batches; false when stopping and nothing is left.
    bool take(std::vector<Item>& group, bool merge) {
        std::unique_lock lk(mu);
        cv_work.wait(lk, [&] { return !queue.empty() || stopping; });
        if (queue.empty()) return false;
        std::size_t bytes = 0;
        do {
            bytes += queue.front().batch.size_bytes();
            group.push_back(std::move(queue.front()));
            queue.pop_front();
        } while (merge && !queue.empty() && bytes + queue.front().batch.size_bytes() <= kMaxGroupBytes);
        return true;
    }

    rocksdb::Status write(rocksdb::WriteBatch& wb) {
        if (wb.Count() == 0) return rocksdb::Status::OK();
        const auto started = std::chrono::steady_clock::now();
        auto s = db->Write(write_options, &wb);
        if (s.ok()) {
            st_writes.fetch_add(1, std::memory_order_relaxed);
            if (write_options.sync) {
                st_syncs.fetch_add(1, std::memory_order_relaxed);
                note_sync(std::chrono::steady_clock::now() - started);
            }
            st_bytes.fetch_add(wb.GetDataSize(), std::memory_order_relaxed);
        }
        return s;
    }

    void finish(std::vector<Item>& group, const rocksdb::Status& s) {
        if (!s.ok()) {
            on_write_failure(s);
            return;
        }
        st_batches.fetch_add(group.size(), std::memory_order_relaxed);
        for (auto& item : group)
            if (item.done) item.done();
        {
            std::lock_guard lk(mu);
            completed += group.size();
        }
        cv_done.notify_all();
    }

    void on_write_failure(const rocksdb::Status& s) {
        std::string what = "write failed: " + s.ToString();
        bool first = false;
        std::deque<Item> dropped;
        {
            std::lock_guard lk(mu);
            if (!failed) {
                failed = true;
                failure = what;
                first = true;
            }
            dropped.swap(queue);
        }
        cv_done.notify_all();
        if (first && opts.on_failure) opts.on_failure(StoreError(dir, what).what());
    }

    void merge_loop() {
        // RocksDB counts every key comparison in a thread-local perf context unless told not to: a
        // tenth of the writer's time at high rates.
        rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
        std::vector<Item> group;
        GroupCommit commit;
        while (take(group, true)) {
            rocksdb::Status s;
            if (group.size() == 1 && group.front().batch.transients_.empty()) {
                s = write(*group.front().batch.wb_);
            } else {
                for (const Item& item : group)
                    commit.add(item.batch);
                std::uint64_t cancelled = 0;
                std::uint64_t ranges = 0;
                rocksdb::WriteBatch merged = commit.merge(cancelled, ranges);
                st_cancelled.fetch_add(cancelled, std::memory_order_relaxed);
                st_ranges.fetch_add(ranges, std::memory_order_relaxed);
                s = write(merged);
            }
            finish(group, s);
            group.clear();
        }
    }

    void single_loop() {
        rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
        std::vector<Item> group;
        while (take(group, false)) {
            finish(group, write(*group.front().batch.wb_));
            group.clear();
        }
    }

    void flush() {
        std::unique_lock lk(mu);
        const auto target = submitted;
        cv_done.wait(lk, [&] { return completed >= target || failed; });
        if (failed) fail("store has failed: " + failure, false);
    }
};

// ---------------------------------------------------------------------------------------------------------
namespace {

std::string utc_timestamp() {
    auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

fs::path move_aside(const fs::path& dir) {
    const std::string base = dir.string() + ".corrupt-" + utc_timestamp();
    fs::path target = base;
    for (int i = 1; fs::exists(target); ++i)
        target = base + "-" + std::to_string(i);
    std::error_code ec;
    fs::rename(dir, target, ec);
    if (ec)
        throw StoreError(dir,
                         "cannot move the corrupt store aside to " + target.string() + ": " + ec.message());
    fsync_dir(dir.parent_path());
    return target;
}

}  // namespace

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

std::unique_ptr<Store> Store::open(const StoreOptions& options) {
    auto impl = std::make_unique<Impl>(options);
    try {
        impl->open_db();
    } catch (const StoreError& e) {
        if (!e.corrupt() || !options.move_aside_if_corrupt) throw;
        const std::string reason = e.what();
        const fs::path dir = impl->dir;
        impl.reset();  // closes RocksDB
        auto moved = move_aside(dir);
        impl = std::make_unique<Impl>(options);
        impl->open_db();
        impl->note = reason + "; moved it aside to " + moved.string() + " and started with an empty store";
    }
    impl->start_writers();
    return std::unique_ptr<Store>(new Store(std::move(impl)));
}

const std::string& Store::recovery_note() const noexcept {
    return impl_->note;
}
void Store::submit(Batch&& b, std::function<void()> done) {
    impl_->submit(std::move(b), std::move(done));
}
void Store::flush() {
    impl_->flush();
}

std::size_t Store::pending() const {
    std::lock_guard lk(impl_->mu);
    return static_cast<std::size_t>(impl_->submitted - impl_->completed);
}

bool Store::failed() const {
    std::lock_guard lk(impl_->mu);
    return impl_->failed;
}

void Store::load(Visitor& v) {
    impl_->load(v);
}

Store::Stats Store::stats() const {
    Stats s{impl_->st_batches.load(), impl_->st_writes.load(),    impl_->st_syncs.load(),
            impl_->st_bytes.load(),   impl_->st_cancelled.load(), impl_->st_ranges.load()};
    for (std::size_t i = 0; i < s.sync_buckets.size(); ++i)
        s.sync_buckets[i] = impl_->st_sync_buckets[i].load(std::memory_order_relaxed);
    s.sync_micros = impl_->st_sync_micros.load(std::memory_order_relaxed);
    return s;
}

const fs::path& Store::dir() const noexcept {
    return impl_->dir;
}

}  // namespace tapmq::persist
