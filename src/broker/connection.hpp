// One client connection: reads bytes, decodes packets, applies the protocol (spec chapters 3 and 4),
// and owns the output buffer that every delivery to this client is encoded into.
//
// Threads: everything runs on the connection's worker thread except send_publish/send_pubrel and
// kick(), which a Session calls from whichever thread delivers; they only touch the output buffer
// (under out_mutex_) and post work to the worker. A worker that delivers to a plain TCP client of
// another worker writes that client's socket itself once its batch of handlers is done
// (Worker::defer_cross_worker_flush, flush_cross_worker).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>
#include "util/asio.hpp"

#include "enhanced_auth.hpp"
#include "message.hpp"
#include "mqtt/decoder.hpp"
#include "mqtt/packets.hpp"
#include "session.hpp"
#include "session_registry.hpp"
#include "small_mutex.hpp"
#include "subscription_tree.hpp"  // detail::StringHash
#include "transport.hpp"

namespace tapmq::broker {

class Broker;
class Worker;
struct ListenerSettings;

// Full: try again later. TooLarge, OutsideMountPoint: discarded, as if delivered (a session of a
// mounted listener that inherited a subscription from elsewhere gets nothing outside its mount point).
enum class SendResult { Sent, Full, TooLarge, OutsideMountPoint };

class Connection final : public IoHandler, public std::enable_shared_from_this<Connection> {
  public:
    Connection(Broker& broker, Worker& worker, const ListenerSettings& listener,
               std::unique_ptr<Transport> t);
    ~Connection();

    void start();

    // --- called by Session, any thread ---
    // Encodes a PUBLISH for this client. `force` ignores the buffer limit (re-sends on resume).
    SendResult send_publish(const Outgoing& out, std::uint16_t packet_id, bool dup, bool force = false);
    void send_pubrel(std::uint16_t packet_id);
    // Closes the connection from another thread, with a v5 DISCONNECT carrying `reason`.
    void kick(mqtt::ReasonCode reason);

    // Flushes the output buffer: on its worker thread, or on another worker's for a plain TCP
    // connection that worker delivered to (flush_cross_worker).
    void flush();
    // The current thread's open durability scope, if any, must be durable (`durable`) or at least
    // submitted to the store before the bytes just appended may leave (out_mutex_ held). See
    // durability.hpp for which bytes need which.
    void note_dependency(bool durable) noexcept;

    // The session's client id once there is one (the connection keeps no copy of its own).
    const std::string& client_id() const noexcept;
    Worker& worker() noexcept { return worker_; }

    // The worker's periodic sweep: whether the CONNECT or keep alive deadline has passed, and
    // ending the connection when it has.
    bool overdue(Clock::time_point now) const noexcept {
        return keepalive_limit_.count() != 0 && now - last_rx_ >= keepalive_limit_;
    }
    void end_overdue();

  private:
    // AwaitConnect -> Authenticating (CONNECT named an Authentication Method: only AUTH and
    // DISCONNECT are accepted until the exchange ends) -> Connected -> Closing -> Closed.
    // AwaitConnect -> LoggingIn (credentials checked on the login pool; nothing is read meanwhile,
    // what already arrived waits in in_) -> Connected.
    enum class State : std::uint8_t { AwaitConnect, LoggingIn, Authenticating, Connected, Closing, Closed };

    // IoHandler: completions from the transport (worker thread).
    void on_handshake(const boost::system::error_code& ec) override;
    void on_progress() override;
    void on_read(const boost::system::error_code& ec, std::size_t n) override;
    void on_readable(const boost::system::error_code& ec) override;
    void on_written(const boost::system::error_code& ec, std::size_t n) override;
    // The read completions' work: std::bad_alloc in it closes this connection (logged,
    // on_allocation_failure), never the worker.
    void handle_readable(const boost::system::error_code& ec);
    void on_allocation_failure();
    void handle_read(const boost::system::error_code& ec, std::size_t n);

    bool reading() const noexcept {
        return state_ == State::AwaitConnect || state_ == State::Authenticating || state_ == State::Connected;
    }
    void read();
    // Common to both read paths: `n` new bytes arrived.
    void note_received(std::size_t n);
    // Decodes and handles the packets in `view`; returns the bytes of an incomplete packet at its
    // end (empty when every byte was used, or the connection ended).
    std::string_view process_input(std::string_view view);
    // Keeps the unprocessed tail of the input in in_ (which is released when nothing is left).
    void keep_partial(std::string_view rest);
    // `bytes`: the whole packet, as received.
    void handle(mqtt::Packet& p, std::string_view bytes);

    void on_connect(mqtt::Connect& c, std::string_view bytes);
    // A reload swapped the listener's policy (worker thread, Worker::policy_reloaded): a client
    // that logged in without an ACL file gets its identity checked against the new one.
    void policy_reloaded();
    // Who this client is for check_retain_source: its ACL identity, or a new one naming it.
    ClientAccessPtr publisher_identity() const;
    // The login pool's answer for the CONNECT kept in extras_->login_connect (worker thread).
    void on_login_checked(LoginResult r);
    // After a wait that read nothing (LoggingIn): handles the input kept meanwhile, reads again.
    void resume_input();
    // After a successful login: ACL identity, will, keep alive, session, CONNACK. `auth_data` is
    // the final Authentication Data of an enhanced authentication, sent in the CONNACK.
    void complete_connect(const mqtt::Connect& c, LoginResult login_result,
                          const std::optional<std::string>& auth_data);
    // Its steps (connection_handlers.cpp).
    struct KeepAlive {
        std::uint16_t value;
        bool lowered;  // below the client's: a v5 CONNACK says so (Server Keep Alive)
    };
    void adopt_access(LoginResult& login_result);
    std::optional<std::pair<mqtt::ReasonCode, const char*>> check_will(const mqtt::Connect& c) const;
    std::optional<KeepAlive> negotiate_keepalive(const mqtt::Connect& c) const;
    void adopt_client_limits(const mqtt::Connect& c);
    SessionRegistry::Opened open_session(const mqtt::Connect& c);
    void keep_will(const mqtt::Will& w);
    mqtt::Connack make_connack(bool session_present, KeepAlive keepalive,
                               const std::optional<std::string>& auth_data);
    // Enhanced authentication (connection_auth.cpp).
    void begin_enhanced_auth(const mqtt::Connect& c, std::string_view bytes);
    void on_auth_while_connecting(const mqtt::Auth& a);
    void on_reauth(const mqtt::Auth& a);
    void send_auth(mqtt::ReasonCode rc, std::string_view data);
    // A login valid until `unix_seconds` (a JWT's exp plus the leeway): the connection ends then.
    void end_login_at(std::int64_t unix_seconds);
    void on_publish(mqtt::Publish& p);
    void on_puback(const mqtt::Puback& p);
    void on_pubrec(const mqtt::Pubrec& p);
    void on_pubrel(const mqtt::Pubrel& p);
    void on_pubcomp(const mqtt::Pubcomp& p);
    void on_subscribe(const mqtt::Subscribe& s);
    void on_unsubscribe(const mqtt::Unsubscribe& u);
    void on_disconnect(const mqtt::Disconnect& d);

    // CONNECT refused: CONNACK with the code, then close.
    void refuse(mqtt::ReasonCode rc, const char* why);
    // Protocol violation or server-side close: v5 DISCONNECT with the reason, then close.
    void fail(mqtt::ReasonCode rc, const std::string& why);
    // Orderly close after the output drains.
    void close_after_flush();
    // `linger`: see linger_close().
    void close_now(bool linger = false);
    // After a refusing CONNACK or an error DISCONNECT has been written: the connection ends now
    // (bookkeeping, will), but the socket lingers: FIN after the packet, then what the client still
    // sends is read and discarded (at most kLingerBytes, kLingerTime) before the descriptor closes,
    // so a client that was still writing reads the reason instead of a reset.
    void linger_close();
    void drain_lingering(const boost::system::error_code& ec, std::size_t n);
    void end_linger();
    void on_closed();

    void send(const mqtt::Packet& p);  // worker thread
    void request_flush();              // out_mutex_ held by caller: schedule a flush
    // flush() on another worker's thread (plain TCP): the pending bytes go straight to the socket,
    // and only what the socket does not take at once is handed to our worker.
    void flush_cross_worker();
    // out_mutex_ held: the pending output speaks of state the store does not hold yet (durability.hpp).
    bool output_waits_for_store_locked() const noexcept;
    void finish_write_locked() noexcept;  // out_mutex_ held: the write in progress has ended
    void after_write();                   // worker thread: what may follow a completed write

    // The deadline the worker's sweep checks: CONNECT timeout, then 1.5 x keep alive from the
    // last byte received.
    void arm_keepalive();
    boost::asio::steady_timer& timer();
    // Grows in_ to at least `size` bytes, keeping its first `keep`.
    void reserve_input(std::size_t size, std::size_t keep);
    // Login refused: the CONNACK goes out after the address's back-off delay.
    void refuse_login(mqtt::ReasonCode rc, const std::string& why);
    void end_handshake();
    std::string describe() const;
    std::string remote_ip() const;

    // What every connection needs comes first (ordered by size, no padding); what only some
    // clients need is made on first use.
    Broker& broker_;
    Worker& worker_;
    const ListenerSettings& listener_;
    std::unique_ptr<Transport> transport_;
    std::string remote_;

    // Input (worker thread only). Plain TCP reads into the worker's scratch buffer and in_ holds
    // only an incomplete packet; other transports read into in_. Null while nothing is kept.
    std::unique_ptr<char[]> in_;
    mqtt::StreamDecoder decoder_;
    Clock::time_point last_rx_{};
    std::chrono::milliseconds keepalive_limit_{0};

    // Negotiated at CONNECT (written once on the worker thread before the session is attached,
    // read afterwards by delivering threads).
    SessionPtr session_;
    ClientAccessPtr access_;

    // Enhanced authentication: the method named at CONNECT, the exchange in progress (at CONNECT
    // or re-authentication), and the CONNECT packet kept until the exchange ends.
    struct EnhancedAuth {
        std::string method;
        std::unique_ptr<AuthExchange> exchange;
        unsigned steps = 0;
        std::string pending_connect;
    };
    // Worker-thread state that most connections do without, or need only while they log in.
    struct Extras {
        std::string client_id;  // until the session is opened
        std::string username;
        std::unique_ptr<StoredWill> will;
        std::unique_ptr<EnhancedAuth> auth;        // null: CONNECT named no Authentication Method
        std::string login_connect;                 // the CONNECT, while the login pool checks it
        std::vector<std::string> inbound_aliases;  // topic alias -> topic
        // A one-off timer for the rare delays (login back-off, close grace period).
        std::unique_ptr<boost::asio::steady_timer> timer;
        std::uint32_t lingered_bytes = 0;  // read and discarded during a lingering close
        // A 3.x bridge (protocol level | 0x80): its subscriptions are No Local and Retain As
        // Published, as Mosquitto treats bridges (no loop between two brokers bridged both ways).
        bool bridge = false;
        bool unused() const noexcept {
            return client_id.empty() && username.empty() && !will && !auth && login_connect.empty() &&
                   inbound_aliases.empty() && !timer && !bridge;
        }
    };
    std::unique_ptr<Extras> extras_;
    Extras& extras() {
        if (!extras_) extras_ = std::make_unique<Extras>();
        return *extras_;
    }
    const std::string& username() const noexcept;
    void set_username(std::string name) {
        if (!name.empty() || extras_) extras().username = std::move(name);
    }
    EnhancedAuth* auth() const noexcept { return extras_ ? extras_->auth.get() : nullptr; }
    StoredWill* will() const noexcept { return extras_ ? extras_->will.get() : nullptr; }

    // Output (any thread, under out_mutex_): pending bytes, and those handed to the transport.
    // Made for the first packet, and given back once a write leaves both empty and small, so that
    // an idle connection holds none.
    struct Output {
        std::string pending;
        std::string writing;
    };
    std::unique_ptr<Output> output_;
    std::string& pending_output() {
        if (!output_) output_ = std::make_unique<Output>();
        return output_->pending;
    }
    // topic -> alias; probed with the message's topic view, no string built per delivery. Made
    // when the client allows aliases.
    using AliasMap = std::unordered_map<std::string, std::uint16_t, detail::StringHash, std::equal_to<>>;
    std::unique_ptr<AliasMap> outbound_aliases_;
    std::uint64_t needs_scope_ = 0;  // the pending output may go once this scope is submitted

    std::uint32_t in_size_ = 0;  // in_'s capacity
    std::uint32_t in_begin_ = 0;
    std::uint32_t in_end_ = 0;
    std::uint32_t read_space_ = 0;  // room offered to the read in progress
    std::uint32_t client_max_packet_size_ = mqtt::kMaxPacketSize;
    std::uint32_t connect_expiry_ = 0;
    friend class Worker;
    std::uint32_t worker_slot_ = 0;  // index in the worker's connection list (Worker::add)
    SmallMutex out_mutex_;
    std::uint16_t client_topic_alias_max_ = 0;
    State state_ = State::AwaitConnect;
    mqtt::ProtocolVersion version_ = mqtt::ProtocolVersion::V311;
    bool more_to_read_ = false;  // the last read filled its buffer: read again before waiting
    bool request_problem_info_ = true;
    bool will_on_close_ = true;  // false after a normal DISCONNECT
    bool handshake_pending_ = true;
    bool assigned_client_id_ = false;
    // Output flags (under out_mutex_).
    bool write_in_progress_ = false;
    bool flush_requested_ = false;
    bool close_when_flushed_ = false;
    bool needs_durable_ = false;  // durable, if the pending output includes bytes that need that
    bool waiting_scope_ = false;
    bool closed_ = false;
    bool cross_worker_write_ = false;  // another worker is writing to the socket (flush_cross_worker)
    bool lingering_ = false;           // worker thread: closed, the socket drains (linger_close)
};

}  // namespace tapmq::broker
