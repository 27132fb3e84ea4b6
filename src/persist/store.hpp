// tapmq_persist: write-through storage of messages, sessions, subscriptions and retained messages in an
// embedded RocksDB, with group commit. See src/persist/README.md for the key/value schema and the
// durability choices.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "persist/records.hpp"

namespace rocksdb {
class WriteBatch;
}

namespace tapmq::persist {

// Fsync: `done` is called after the batch is in the write-ahead log and the log was fsynced (one
//        fdatasync per group of batches): the batch survives a power cut.
// Os:    `done` is called after the batch was written to the write-ahead log with write(2): it survives a
//        crash or kill -9 of the process, not a power cut or kernel crash.
enum class Durability { Fsync, Os };

struct StoreOptions {
    std::filesystem::path dir;
    Durability durability = Durability::Fsync;
    // When the store is corrupt or of an unknown format, rename DIR to DIR.corrupt-<UTC timestamp> and
    // start with an empty store (Store::recovery_note() says so) instead of throwing. Never done for
    // errors that do not prove the data is bad (permissions, a lock held by another process, ...).
    bool move_aside_if_corrupt = false;
    // Called once, on the writer thread, if a write fails (disk full, I/O error). The store then stops:
    // batches not yet durable are dropped and their `done` is never called; flush() throws.
    std::function<void(const std::string& what)> on_failure;
    // Benchmarking only. 0 (default): one writer thread merges all batches pending at the time into one
    // RocksDB write (group commit). N > 0: N threads each call DB::Write for one batch at a time and rely
    // on RocksDB's own write grouping; this does NOT keep batches in submission order.
    unsigned bench_write_threads = 0;
};

class StoreError : public std::runtime_error {
  public:
    // what(): "tapmq store <dir>: <problem>"
    StoreError(const std::filesystem::path& dir, const std::string& problem, bool corrupt = false);
    const std::filesystem::path& dir() const noexcept { return dir_; }
    // True when the data in the directory is bad (or of an unknown format), as opposed to an environmental
    // error (permissions, lock held, disk full).
    bool corrupt() const noexcept { return corrupt_; }

  private:
    std::filesystem::path dir_;
    bool corrupt_;
};

// A set of changes applied atomically and in order. Building one does no I/O. Putting a value out of
// range (qos > 2, stage > 3) throws std::invalid_argument.
class Batch {
  public:
    Batch();
    ~Batch();
    Batch(Batch&&) noexcept;
    Batch& operator=(Batch&&) noexcept;
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

    void put_message(const StoredMessage& m);
    void put_message(const MessageView& m);
    void erase_message(std::uint64_t id);
    // As put_message, for an id the store has never held (or no longer holds). A group commit that
    // also carries the record's erase drops both, and every put in between: the record never reaches
    // the log. Only for records whose erase may follow soon (a message delivered and acknowledged).
    void create_message(const StoredMessage& m);
    void create_message(const MessageView& m);

    void put_retained(const StoredMessage& m);  // keyed by m.topic
    void put_retained(const MessageView& m);
    void erase_retained(std::string_view topic);

    void put_session(const StoredSession& s);
    // Erases the session and everything of that client: subscriptions, outgoing queue, incoming QoS 2
    // packet ids and will. Later operations in the same batch (or later batches) may recreate them.
    void erase_session(std::string_view client_id);

    void put_subscription(std::string_view client_id, std::string_view filter, std::uint8_t options,
                          std::uint32_t identifier);
    void erase_subscription(std::string_view client_id, std::string_view filter);

    void put_outgoing(std::string_view client_id, std::uint64_t seq, const StoredOutgoing& o);
    void put_outgoing(std::string_view client_id, std::uint64_t seq, const OutgoingView& o);
    void erase_outgoing(std::string_view client_id, std::uint64_t seq);
    // As put_outgoing, for a seq the client's queue has never held; cancels out like create_message.
    void create_outgoing(std::string_view client_id, std::uint64_t seq, const StoredOutgoing& o);
    void create_outgoing(std::string_view client_id, std::uint64_t seq, const OutgoingView& o);

    void put_incoming_qos2(std::string_view client_id, std::uint16_t packet_id);
    void erase_incoming_qos2(std::string_view client_id, std::uint16_t packet_id);

    void put_will(std::string_view client_id, const StoredWill& w);
    void erase_will(std::string_view client_id);

    bool empty() const;
    std::size_t operations() const;  // number of puts/erases recorded
    std::size_t size_bytes() const;  // encoded size
    void clear();

  private:
    friend class Store;
    friend class GroupCommit;
    rocksdb::WriteBatch& wb();
    // An operation on a record that may cancel out within a group commit (see create_message).
    struct Transient {
        enum Role : std::uint8_t { Create, Update, Erase };
        std::uint32_t op;         // index of the operation in wb_
        std::uint32_t key_begin;  // its key, in transient_keys_
        std::uint32_t key_size;
        Role role;
    };
    void write_outgoing(Transient::Role role, std::string_view client_id, std::uint64_t seq,
                        const OutgoingView& o);
    // Records an operation on `key` (appended to transient_keys_); returns the key as stored there.
    std::string_view note(Transient::Role role, std::string_view key);
    // The same for a queue record's key, written in place.
    std::string_view note_outgoing(Transient::Role role, std::string_view client_id, std::uint64_t seq);
    std::unique_ptr<rocksdb::WriteBatch> wb_;  // created on first use; null when empty or moved from
    std::vector<Transient> transients_;
    std::string transient_keys_;
};

class Store {
  public:
    // Opens (creating if needed) the store in options.dir. Throws StoreError; with move_aside_if_corrupt
    // a corrupt or unknown store is moved aside instead and an empty one created.
    static std::unique_ptr<Store> open(const StoreOptions& options);

    // Empty, or a sentence saying that the previous store was corrupt and where it was moved.
    const std::string& recovery_note() const noexcept;

    // Group commit. Queues the batch and returns at once (no I/O on the caller's thread). `done` is called
    // on the store's writer thread once the batch is durable per the durability level, in submission
    // order. All batches pending when the writer becomes free are merged into one RocksDB write (and one
    // fsync in Fsync mode). `done` must not throw and should be quick (it delays the next write).
    void submit(Batch&& b, std::function<void()> done = {});

    // Blocks until everything submitted before the call is durable and its `done` has returned. Throws
    // StoreError if the store has failed. Must not be called from a `done` callback.
    void flush();

    // Batches submitted and not yet durable.
    std::size_t pending() const;
    // True after a write failed (see StoreOptions::on_failure).
    bool failed() const;

    // Recovery: visits everything in the store, once at start-up, before any submit. Order: messages,
    // retained messages, sessions, subscriptions, outgoing (per client in seq order), incoming QoS 2
    // packet ids, wills. string_views are valid only during the call. Throws StoreError on a record that
    // does not decode.
    struct Visitor {
        virtual void message(StoredMessage&&) = 0;
        virtual void retained(StoredMessage&&) = 0;
        virtual void session(StoredSession&&) = 0;
        virtual void subscription(std::string_view client_id, std::string_view filter, std::uint8_t options,
                                  std::uint32_t id) = 0;
        virtual void outgoing(std::string_view client_id, std::uint64_t seq, StoredOutgoing&&) = 0;
        virtual void incoming_qos2(std::string_view client_id, std::uint16_t packet_id) = 0;
        virtual void will(std::string_view client_id, StoredWill&&) = 0;
        virtual ~Visitor() = default;
    };
    void load(Visitor& v);

    struct Stats {
        std::uint64_t batches = 0;    // batches made durable
        std::uint64_t writes = 0;     // RocksDB write calls
        std::uint64_t syncs = 0;      // of which synced (Fsync mode)
        std::uint64_t bytes = 0;      // bytes of write batches written
        std::uint64_t cancelled = 0;  // operations dropped: created and erased within one group
        std::uint64_t ranges = 0;     // range erases written in place of consecutive queue erases
        // Latency of the synced writes (each one write + fdatasync): how many took at most
        // kSyncBucketSeconds[i] and no more than the bound before (the last slot: longer), and the
        // total in microseconds.
        std::array<std::uint64_t, 13> sync_buckets{};
        std::uint64_t sync_micros = 0;
    };
    static constexpr std::array<double, 12> kSyncBucketSeconds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                               0.01,   0.025,   0.05,   0.1,   0.25,   1.0};
    Stats stats() const;

    const std::filesystem::path& dir() const noexcept;

    ~Store();  // waits for everything submitted, syncs the log and closes

    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    struct Impl;

  private:
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// The value of the `meta/format` key this code writes and understands.
// 2: outgoing entries may hold their message inline. 3: outgoing entries are written compactly
// (value version 3). A format 1 or 2 store is read as it is and marked 3 when opened (a tapmqd that
// reads only older formats then refuses it instead of misreading it).
inline constexpr std::uint32_t kFormatVersion = 3;

}  // namespace tapmq::persist
