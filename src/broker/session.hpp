// One MQTT session (spec 4.1): what the broker keeps for a client id across connections.
// Subscriptions, the outgoing inflight window and queue, QoS 2 receive state and the will.
//
// Threads: deliver() runs on any publisher's worker thread; everything else on the thread of the
// connection attached to the session. All mutable state below is guarded by `mutex_`. Lock order:
// a session's mutex may be taken while holding the subscription tree's or retained tree's lock is
// NOT allowed; it is taken first, and a connection's output lock is taken inside it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/container/deque.hpp>
#include <boost/container/flat_set.hpp>

#include "durability.hpp"
#include "lazy.hpp"
#include "message.hpp"
#include "mqtt/packets.hpp"
#include "security.hpp"
#include "small_mutex.hpp"

namespace tapmq::broker {

class Connection;

struct Stats;

// Per-session limits, copied from the configuration when the session is created.
struct SessionLimits {
    std::uint64_t max_queued_bytes = 0;    // max_queued_bytes (0 = unlimited)
    std::uint32_t max_queued = 1000;       // max_queued_messages (0 = unlimited)
    std::uint16_t max_inflight = 20;       // max_inflight_messages (0 = only the client's receive maximum)
    std::uint64_t max_inflight_bytes = 0;  // max_inflight_bytes: payload bytes in flight (0 = unlimited)
    bool queue_qos0 = false;               // queue_qos0_messages
    bool operator==(const SessionLimits&) const = default;
};

// What sessions share: their limits (as configured when each was created), the broker's counters
// and its store. Owned by the session registry, which makes a new one only when the limits change
// (a configuration reload), so that each session holds one pointer for all three.
struct SessionContext {
    SessionLimits limits;
    Stats& stats;
    Durability* durability = nullptr;
};

// One message on its way to this session's client.
struct Outgoing {
    MessagePtr msg;
    mqtt::QoS qos = mqtt::QoS::AtMostOnce;
    bool retain = false;
    bool stored_inline = false;  // its store record holds the message (no message record)
    std::vector<std::uint32_t> subscription_ids;
    std::shared_ptr<const std::string> share;  // set when delivered through a shared subscription
    std::uint64_t store_key = 0;               // its record in the store (0: not stored)
};

struct SubscriptionRecord {
    mqtt::SubscriptionOptions options;
    std::uint32_t identifier = 0;
};

// A will message (owned: the CONNECT buffer is gone by the time it is sent).
struct StoredWill {
    std::shared_ptr<Message> msg;                  // expiry is set when it is published
    std::optional<std::uint32_t> expiry_interval;  // Message Expiry Interval of the will
    std::uint32_t delay = 0;                       // Will Delay Interval, seconds
    Clock::time_point due{};  // when a delayed will is published, unless the session resumes
    ClientAccessPtr access;   // the will is published as its client (ACL write check)
};

class Session {
  public:
    Session(std::string client_id, const SessionContext& context)
        : client_id_(std::move(client_id)), ctx_(context) {}
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const std::string& client_id() const noexcept { return client_id_; }

    // --- delivery (any thread) ---
    // Sends now if the client is connected and the window allows, queues otherwise.
    void deliver(Outgoing out);
    bool online() const noexcept { return online_.load(std::memory_order_relaxed); }
    // The worker the attached connection lives on (null when offline): shared-group picks prefer a
    // member on the publisher's own thread (no cross-thread wake-up, warm caches).
    const void* home() const noexcept { return home_.load(std::memory_order_relaxed); }
    // Messages waiting in the queue (the window is full, or the client reads slowly), as last seen:
    // shared-group picks weigh it.
    std::uint32_t backlog() const noexcept { return queued_.load(std::memory_order_relaxed); }
    // Whether the client may receive a message on `topic` (ACL); lock-free, for shared-group picks.
    bool may_read(std::string_view topic) const {
        // Most brokers run without ACLs: skip the atomic shared_ptr load (a lock in libstdc++)
        // that every publisher thread would otherwise take on this session for each match.
        if (!checks_access_.load(std::memory_order_acquire)) return true;
        auto a = access_.load(std::memory_order_acquire);
        return !a || a->can_read(topic);
    }

    // --- connection lifecycle (the attached connection's thread) ---
    // Binds a connection; re-sends the inflight window with DUP (PUBREL for those past PUBREC),
    // then as much of the queue as the window allows.
    // `access` is who the client logged in as: every delivery from now on (queued ones included) is
    // checked against it.
    void attach(const std::shared_ptr<Connection>& c, std::uint16_t client_receive_maximum, bool resume,
                ClientAccessPtr access);
    // The attached client's identity from now on (a reload added an ACL file; attach sets it
    // otherwise). Connection thread.
    void set_access(ClientAccessPtr access);
    // Unbinds `c` if it is still the attached connection. Returns true when it was.
    bool detach(const Connection* c);
    // The connection currently attached (null when offline).
    std::shared_ptr<Connection> connection();

    // --- acknowledgements from the client ---
    // PUBACK / PUBCOMP end a delivery; PUBREC moves it to awaiting PUBCOMP. Return false for an
    // unknown packet id.
    bool on_puback(std::uint16_t id);
    bool on_pubrec(std::uint16_t id, bool error);
    bool on_pubcomp(std::uint16_t id);

    // --- QoS 2 receive state (spec 4.3.3, method A) ---
    // Returns false when the id is already awaiting PUBREL (a duplicate: do not route again).
    bool begin_incoming_qos2(std::uint16_t id);
    bool release_incoming_qos2(std::uint16_t id);
    std::size_t incoming_qos2_count();

    // --- subscriptions as the session knows them (for removal when the session ends) ---
    // Returns true when the filter was new for this session.
    bool add_subscription(std::string_view filter, const SubscriptionRecord& r);
    bool remove_subscription(std::string_view filter);
    std::map<std::string, SubscriptionRecord, std::less<>> take_subscriptions();

    // --- expiry and will ---
    void set_expiry_interval(std::uint32_t seconds) {
        expiry_interval_.store(seconds, std::memory_order_relaxed);
    }
    std::uint32_t expiry_interval() const noexcept {
        return expiry_interval_.load(std::memory_order_relaxed);
    }
    // When an offline session expires (steady clock); nullopt while connected or never.
    std::optional<Clock::time_point> expires_at() const;
    // A will waiting for its delay; attach() cancels it (spec 3.1.3.2.2).
    void set_pending_will(StoredWill w);
    // Takes the pending will if it is due at `now` (or unconditionally when `force`). `will_writes`,
    // when given, receives the count that end_will_publication() compares.
    std::optional<StoredWill> take_pending_will(Clock::time_point now, bool force,
                                                std::uint16_t* will_writes = nullptr);
    // After a taken will was published in `scope` (this thread's innermost open scope): erases the
    // stored will in that scope unless a will was written since it was taken (its client came back
    // meanwhile), and closes the scope before a later will write can be submitted, so that the
    // store can never see the erase after a newer will.
    void end_will_publication(std::uint16_t will_writes, std::optional<Durability::Scope>& scope);

    // Removes and returns the messages that came through shared subscriptions and may go to another
    // member (spec 4.8.2): queued ones and QoS 1 in flight; with `session_ends`, QoS 2 in flight too
    // (otherwise its delivery must be completed to this client).
    std::vector<Outgoing> take_shared(bool session_ends);
    // Puts messages back at the front of the queue (no other member could take them).
    void requeue_front(std::vector<Outgoing> msgs);

    // Sends queued messages while the window and the connection's buffer allow.
    void pump();

    // --- persistence ---
    // A session with a non-zero expiry is written through to the store (when persistence is on).
    bool persistent() const noexcept { return ctx_.durability != nullptr && expiry_interval() != 0; }
    // Writes the session record (expiry, and when it went offline).
    void persist_meta();
    // Writes the will of this session's client (null: erases it). Only for a persistent session; a
    // will its client may not publish under the ACL in force is not written. A will whose `due` is
    // unset belongs to a connected client: after a crash its delay runs from the restart.
    void persist_will(const StoredWill* w);
    // Start-up: state read back from the store.
    void restore_offline_since(Clock::time_point t);
    void restore_outgoing(Outgoing out, std::uint8_t stage, std::uint16_t packet_id);
    void restore_incoming_qos2(std::uint16_t id);
    void restore_subscription(std::string_view filter, const SubscriptionRecord& r);
    // True once a session record was written (so its end must erase it).
    bool stored() const noexcept { return stored_.load(std::memory_order_relaxed); }

  private:
    // Numbered as stored (persist::OutgoingStage; 0 there is "queued").
    enum class Stage : std::uint8_t { AwaitPuback = 1, AwaitPubrec = 2, AwaitPubcomp = 3 };
    struct Inflight {
        std::uint16_t packet_id;
        Stage stage;
        Outgoing out;
    };

    void enqueue_locked(Outgoing&& out);
    // Writes a QoS 1/2 message into the window; false if the connection refused it (buffer full).
    bool send_inflight_locked(Outgoing&& out);
    void pump_locked();
    void pump_queue_locked();
    void note_backlog_locked() noexcept;  // after the queue changed
    void trim_locked() noexcept;          // frees the window and queue containers once empty
    std::uint16_t next_packet_id_locked();
    // boost's deque allocates nothing until the first element (std::deque allocates ~600 bytes at
    // construction); held through Lazy, an empty one costs a pointer, not 80 bytes: most sessions
    // of idle clients never queue anything.
    template <class T>
    using Deque = boost::container::deque<T>;
    using Subscriptions = std::map<std::string, SubscriptionRecord, std::less<>>;
    Deque<Inflight>::iterator find_inflight_locked(std::uint16_t id);
    std::size_t window_locked() const noexcept;
    // No room for another QoS 1/2 message in flight: the window (window_locked) is full, or the
    // payload bytes in flight have reached max_inflight_bytes (as Mosquitto: one message may take
    // them past it; a message larger than the limit goes alone).
    bool inflight_full_locked() const noexcept;
    void drop(const Outgoing& out, const char* why);
    // Store writes (no-ops unless persistent()); they go to the thread's open scope.
    void store_outgoing_locked(Outgoing& out, std::uint8_t stage, std::uint16_t packet_id);
    void forget_outgoing_locked(const Outgoing& out);

    // Every session has what follows; what only a session with messages moving, subscriptions or
    // a delayed will needs is held through a pointer and made on first use. Ordered by size.
    const std::string client_id_;
    std::shared_ptr<Connection> conn_;
    std::atomic<ClientAccessPtr> access_;  // null: no ACL applies
    const SessionContext& ctx_;
    std::uint64_t last_store_key_ = 0;
    std::atomic<const void*> home_{nullptr};
    std::uint64_t queued_bytes_ = 0;
    std::uint64_t dropped_ = 0;
    Clock::time_point disconnected_at_{};
    Lazy<Deque<Inflight>> inflight_;
    Lazy<Deque<Outgoing>> queue_;
    Lazy<boost::container::flat_set<std::uint16_t>> incoming_qos2_;
    Lazy<Subscriptions> subscriptions_;
    std::unique_ptr<StoredWill> pending_will_;
    std::atomic<std::uint32_t> queued_{0};  // queue_.size(), for lock-free readers
    std::atomic<std::uint32_t> expiry_interval_{0};
    mutable SmallMutex mutex_;
    std::uint16_t client_receive_maximum_ = 65535;
    std::uint16_t last_packet_id_ = 0;
    std::uint16_t will_writes_ = 0;  // persist_will calls, wrapping (under mutex_)
    std::atomic<bool> stored_{false};
    std::atomic<bool> checks_access_{false};  // access_ is not null (both set under mutex_)
    std::atomic<bool> online_{false};
    bool ids_in_order_ = true;  // inflight_ holds ids in the order they were handed out
};

using SessionPtr = std::shared_ptr<Session>;

}  // namespace tapmq::broker
