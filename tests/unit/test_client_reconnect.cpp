// ReconnectingClient against a scripted broker (an in-memory Stream per connection): what it re-sends
// after a reconnection, with which identifiers and flags, when it subscribes again, what it holds
// while disconnected, and that an incoming QoS 2 message is delivered once across connections.
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/reconnecting_client.hpp"
#include "mqtt/decoder.hpp"
#include "mqtt/encoder.hpp"

using namespace tapmq;
using namespace tapmq::client;
using std::chrono::milliseconds;

namespace {

// One connection as the broker sees it.
struct Wire {
    explicit Wire(boost::asio::io_context& io) : io(io) {}
    boost::asio::io_context& io;
    std::string from_client;
    std::size_t consumed = 0;
    std::string to_client;
    Stream::IoHandler pending_read;
    boost::asio::mutable_buffer read_buf;
    bool closed = false;

    void deliver() {
        if (!pending_read || to_client.empty()) return;
        const std::size_t n = std::min(to_client.size(), read_buf.size());
        std::memcpy(read_buf.data(), to_client.data(), n);
        to_client.erase(0, n);
        boost::asio::post(io, [h = std::move(pending_read), n] { h({}, n); });
        pending_read = nullptr;
    }
    // The broker goes away (end of file on the client's read).
    void drop() {
        closed = true;
        if (pending_read) {
            boost::asio::post(io, [h = std::move(pending_read)] { h(boost::asio::error::eof, 0); });
            pending_read = nullptr;
        }
    }
};

class FakeStream final : public Stream {
  public:
    FakeStream(boost::asio::io_context& io, std::shared_ptr<Wire> w, bool refuse)
        : io_(io), w_(std::move(w)), refuse_(refuse) {}
    void async_connect(const std::vector<boost::asio::ip::tcp::endpoint>&, const std::string&,
                       ConnectHandler h) override {
        boost::system::error_code ec;
        if (refuse_) ec = boost::asio::error::connection_refused;
        boost::asio::post(io_, [h = std::move(h), ec] { h(ec); });
    }
    void async_read_some(boost::asio::mutable_buffer buf, IoHandler h) override {
        if (w_->closed) {
            boost::asio::post(io_, [h = std::move(h)] { h(boost::asio::error::eof, 0); });
            return;
        }
        w_->pending_read = std::move(h);
        w_->read_buf = buf;
        w_->deliver();
    }
    void async_write(boost::asio::const_buffer buf, IoHandler h) override {
        w_->from_client.append(static_cast<const char*>(buf.data()), buf.size());
        boost::asio::post(io_, [h = std::move(h), n = buf.size()] { h({}, n); });
    }
    void shutdown_send() noexcept override {}
    void close() noexcept override {
        w_->closed = true;
        if (w_->pending_read) {
            boost::asio::post(
                io_, [h = std::move(w_->pending_read)] { h(boost::asio::error::operation_aborted, 0); });
            w_->pending_read = nullptr;
        }
    }
    boost::asio::any_io_executor executor() override { return io_.get_executor(); }

  private:
    boost::asio::io_context& io_;
    std::shared_ptr<Wire> w_;
    bool refuse_;
};

// What the client sent, with owned copies of what the tests look at.
struct Seen {
    mqtt::PacketType type{};
    std::uint16_t id = 0;
    bool dup = false;
    int qos = 0;
    std::string payload;
    bool clean_start = false;
    std::optional<std::uint32_t> expiry;
    std::vector<std::string> filters;
};

class Harness {
  public:
    boost::asio::io_context io;
    std::vector<std::shared_ptr<Wire>> conns;
    bool refuse = false;  // every connection attempt is refused

    // A client keeps itself alive while it has operations pending, until their handlers run: the
    // ones a test's last close() aborted run here, as they would in a program that keeps running
    // its io_context (destroyed unrun, they would leave the client unreleased).
    ~Harness() {
        io.restart();
        io.poll();
    }

    std::shared_ptr<ReconnectingClient> make(ReconnectOptions r = fast()) {
        ConnectOptions o;
        o.version = mqtt::ProtocolVersion::V5;
        o.client_id = "relay";
        o.keep_alive = 0;
        return ReconnectingClient::create(
            io, o,
            [this](boost::asio::io_context& ctx) {
                conns.push_back(std::make_shared<Wire>(ctx));
                return std::make_unique<FakeStream>(ctx, conns.back(), refuse);
            },
            r);
    }
    static ReconnectOptions fast() {
        ReconnectOptions r;
        r.backoff = {milliseconds(1), milliseconds(2), 0.0};
        return r;
    }

    void run(milliseconds d = milliseconds(30)) {
        io.restart();
        io.run_for(d);
    }
    // Runs until `done` (for what waits on a back-off timer), at most 5 s.
    template <class F>
    void run_until(F done) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!done() && std::chrono::steady_clock::now() < deadline)
            run(milliseconds(5));
    }
    // Runs until connection n exists and the client has written its CONNECT there.
    void run_until_connection(std::size_t n) {
        run_until([&] { return conns.size() > n && !conns[n]->from_client.empty(); });
    }

    // Every packet the client sent on `w` since the last call.
    std::vector<Seen> sent(Wire& w) {
        std::vector<Seen> out;
        std::string_view view(w.from_client);
        view.remove_prefix(w.consumed);
        mqtt::StreamDecoder d;
        d.set_version(mqtt::ProtocolVersion::V5);
        while (auto p = d.next(view)) {
            Seen s;
            s.type = mqtt::packet_type(*p);
            std::visit(
                [&](const auto& x) {
                    using T = std::decay_t<decltype(x)>;
                    if constexpr (std::is_same_v<T, mqtt::Publish>) {
                        s.id = x.packet_id;
                        s.dup = x.dup;
                        s.qos = static_cast<int>(x.qos);
                        s.payload = std::string(x.payload);
                    } else if constexpr (std::is_same_v<T, mqtt::Connect>) {
                        s.clean_start = x.clean_start;
                        s.expiry = x.properties.session_expiry_interval;
                    } else if constexpr (std::is_same_v<T, mqtt::Subscribe>) {
                        s.id = x.packet_id;
                        for (const auto& t : x.topics)
                            s.filters.emplace_back(t.filter);
                    } else if constexpr (requires { x.packet_id; }) {
                        s.id = x.packet_id;
                    }
                },
                *p);
            out.push_back(std::move(s));
        }
        w.consumed = w.from_client.size() - view.size();
        return out;
    }

    void send(Wire& w, const mqtt::Packet& p) {
        mqtt::encode_append(p, mqtt::ProtocolVersion::V5, w.to_client);
        w.deliver();
    }
    void connack(Wire& w, bool session_present) {
        mqtt::Packet p{std::in_place_type<mqtt::Connack>};
        std::get<mqtt::Connack>(p).session_present = session_present;
        send(w, p);
    }
    template <class T>
    void ack(Wire& w, std::uint16_t id) {
        mqtt::Packet p{std::in_place_type<T>};
        std::get<T>(p).packet_id = id;
        send(w, p);
    }
    void suback(Wire& w, std::uint16_t id, mqtt::ReasonCode rc = mqtt::ReasonCode::GrantedQoS1) {
        mqtt::Packet p{std::in_place_type<mqtt::Suback>};
        std::get<mqtt::Suback>(p).packet_id = id;
        std::get<mqtt::Suback>(p).reasons = {rc};
        send(w, p);
    }
    void publish(Wire& w, std::uint16_t id, std::string_view payload, bool dup = false) {
        mqtt::Packet p{std::in_place_type<mqtt::Publish>};
        auto& x = std::get<mqtt::Publish>(p);
        x.topic = "a/b";
        x.payload = payload;
        x.qos = mqtt::QoS::ExactlyOnce;
        x.packet_id = id;
        x.dup = dup;
        send(w, p);
    }
};

using T = mqtt::PacketType;

// Connects, subscribes to a/# and returns the first connection.
Wire& connect_and_subscribe(Harness& h, ReconnectingClient& c, int& subacks) {
    c.subscribe("a/#", mqtt::SubscriptionOptions{mqtt::QoS::AtLeastOnce},
                [&](const Error& e, const mqtt::Suback* a) {
                    EXPECT_FALSE(e);
                    EXPECT_NE(a, nullptr);
                    ++subacks;
                });
    c.start();
    h.run();
    EXPECT_EQ(h.conns.size(), 1u);
    Wire& w = *h.conns[0];
    auto s = h.sent(w);
    EXPECT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, T::Connect);
    EXPECT_TRUE(s[0].clean_start);                               // the caller's clean start, the first time
    EXPECT_EQ(s[0].expiry, std::optional<std::uint32_t>(3600));  // so that the session outlives a connection
    h.connack(w, false);
    h.run();
    s = h.sent(w);
    EXPECT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, T::Subscribe);
    h.suback(w, s[0].id);
    h.run();
    EXPECT_EQ(subacks, 1);
    return w;
}

}  // namespace

TEST(ReconnectingClient, ResendsUnacknowledgedWithTheirIdentifiersAndDup) {
    Harness h;
    auto r = Harness::fast();
    r.backoff = {milliseconds(30), milliseconds(30), 0.0};  // time to publish while disconnected
    auto c = h.make(r);
    int subacks = 0;
    Wire& w0 = connect_and_subscribe(h, *c, subacks);

    std::vector<std::string> done;
    auto record = [&](std::string name) {
        return [&done, name](const Error& e) { done.push_back(e ? name + ":" + e.message : name); };
    };
    ASSERT_TRUE(c->publish("t", "m1", mqtt::QoS::AtLeastOnce, false, record("m1")));
    ASSERT_TRUE(c->publish("t", "m2", mqtt::QoS::AtLeastOnce, false, record("m2")));
    ASSERT_TRUE(c->publish("t", "m3", mqtt::QoS::ExactlyOnce, false, record("m3")));
    ASSERT_TRUE(c->publish("t", "m4", mqtt::QoS::ExactlyOnce, false, record("m4")));
    h.run();
    auto s = h.sent(w0);
    ASSERT_EQ(s.size(), 4u);
    for (const auto& p : s) {
        EXPECT_EQ(p.type, T::Publish);
        EXPECT_FALSE(p.dup);
    }
    const std::uint16_t id1 = s[0].id, id2 = s[1].id, id3 = s[2].id, id4 = s[3].id;
    h.ack<mqtt::Puback>(w0, id1);  // m1 done
    h.ack<mqtt::Pubrec>(w0, id3);  // m3 past PUBREC: PUBREL is what goes again
    h.run();
    s = h.sent(w0);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, T::Pubrel);
    EXPECT_EQ(s[0].id, id3);
    EXPECT_EQ(done, std::vector<std::string>{"m1"});

    w0.drop();
    h.run(milliseconds(5));
    ASSERT_FALSE(c->connected());
    std::vector<bool> present;
    c->on_connected([&](bool p) { present.push_back(p); });
    ASSERT_TRUE(c->publish("t", "m5", mqtt::QoS::AtLeastOnce, false, record("m5")));  // while disconnected
    EXPECT_FALSE(c->publish("t", "q0", mqtt::QoS::AtMostOnce));  // QoS 0 needs a connection
    h.run_until_connection(1);
    ASSERT_EQ(h.conns.size(), 2u);
    Wire& w1 = *h.conns[1];
    s = h.sent(w1);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, T::Connect);
    EXPECT_FALSE(s[0].clean_start);  // resume the session
    h.connack(w1, true);
    h.run();
    s = h.sent(w1);
    ASSERT_EQ(s.size(), 4u);  // no SUBSCRIBE: the broker has the session
    EXPECT_EQ(s[0].type, T::Publish);
    EXPECT_EQ(s[0].id, id2);
    EXPECT_TRUE(s[0].dup);
    EXPECT_EQ(s[0].payload, "m2");
    EXPECT_EQ(s[1].type, T::Pubrel);
    EXPECT_EQ(s[1].id, id3);
    EXPECT_EQ(s[2].type, T::Publish);
    EXPECT_EQ(s[2].id, id4);
    EXPECT_TRUE(s[2].dup);
    EXPECT_EQ(s[2].qos, 2);
    EXPECT_EQ(s[3].type, T::Publish);
    EXPECT_FALSE(s[3].dup);  // m5 never went out before
    EXPECT_EQ(s[3].payload, "m5");
    EXPECT_NE(s[3].id, id2);
    EXPECT_NE(s[3].id, id4);
    EXPECT_EQ(present, std::vector<bool>{true});

    h.ack<mqtt::Puback>(w1, id2);
    h.ack<mqtt::Pubcomp>(w1, id3);
    h.ack<mqtt::Pubrec>(w1, id4);
    h.ack<mqtt::Puback>(w1, s[3].id);
    h.run();
    h.ack<mqtt::Pubcomp>(w1, id4);
    h.run();
    EXPECT_EQ(done, (std::vector<std::string>{"m1", "m2", "m3", "m5", "m4"}));
    EXPECT_EQ(c->pending(), 0u);
    EXPECT_EQ(subacks, 1);
    c->stop();
    h.run();
}

TEST(ReconnectingClient, ABrokerWithoutTheSessionGetsSubscriptionsAndMessagesAgain) {
    Harness h;
    auto c = h.make();
    int subacks = 0;
    Wire& w0 = connect_and_subscribe(h, *c, subacks);
    std::vector<std::string> done;
    c->publish("t", "q1", mqtt::QoS::AtLeastOnce, false,
               [&](const Error& e) { done.push_back(e ? "q1 failed" : "q1"); });
    c->publish("t", "q2", mqtt::QoS::ExactlyOnce, false,
               [&](const Error& e) { done.push_back(e ? "q2 failed" : "q2"); });
    h.run();
    auto s = h.sent(w0);
    ASSERT_EQ(s.size(), 2u);
    h.ack<mqtt::Pubrec>(w0, s[1].id);  // the broker accepted q2
    h.run();
    h.sent(w0);
    w0.drop();
    h.run_until_connection(1);
    ASSERT_EQ(h.conns.size(), 2u);
    Wire& w1 = *h.conns[1];
    h.sent(w1);  // CONNECT
    h.connack(w1, false);
    h.run();
    s = h.sent(w1);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].type, T::Subscribe);
    EXPECT_EQ(s[0].filters, std::vector<std::string>{"a/#"});
    EXPECT_EQ(s[1].type, T::Publish);  // q1 as a new message
    EXPECT_EQ(s[1].payload, "q1");
    EXPECT_FALSE(s[1].dup);
    EXPECT_EQ(done, std::vector<std::string>{"q2"});  // accepted by PUBREC: not sent twice
    h.suback(w1, s[0].id);
    h.ack<mqtt::Puback>(w1, s[1].id);
    h.run();
    EXPECT_EQ(subacks, 2);  // the subscription's handler sees each SUBACK
    EXPECT_EQ(done, (std::vector<std::string>{"q2", "q1"}));
    c->stop();
    h.run();
}

TEST(ReconnectingClient, AnUnsubscribedFilterIsNotMadeAgain) {
    Harness h;
    auto c = h.make();
    int subacks = 0;
    Wire& w0 = connect_and_subscribe(h, *c, subacks);
    c->subscribe("b/#", mqtt::SubscriptionOptions{mqtt::QoS::AtLeastOnce});
    h.run();
    auto s = h.sent(w0);
    ASSERT_EQ(s.size(), 1u);
    h.suback(w0, s[0].id);
    int unsubacks = 0;
    EXPECT_TRUE(c->unsubscribe("a/#", [&](const Error& e, const mqtt::Unsuback* a) {
        EXPECT_FALSE(e);
        EXPECT_NE(a, nullptr);
        ++unsubacks;
    }));
    EXPECT_FALSE(c->unsubscribe("never/#"));
    h.run();
    s = h.sent(w0);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, T::Unsubscribe);
    mqtt::Packet p{std::in_place_type<mqtt::Unsuback>};
    std::get<mqtt::Unsuback>(p).packet_id = s[0].id;
    std::get<mqtt::Unsuback>(p).reasons = {mqtt::ReasonCode::Success};
    h.send(w0, p);
    h.run();
    EXPECT_EQ(unsubacks, 1);
    w0.drop();
    h.run_until_connection(1);
    ASSERT_EQ(h.conns.size(), 2u);
    Wire& w1 = *h.conns[1];
    h.sent(w1);
    h.connack(w1, false);
    h.run();
    s = h.sent(w1);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].filters, std::vector<std::string>{"b/#"});
    c->stop();
    h.run();
}

TEST(ReconnectingClient, HoldsAtMostMaxQueued) {
    Harness h;
    auto r = Harness::fast();
    r.max_queued = 2;
    auto c = h.make(r);
    c->start();  // never answered: not connected
    EXPECT_TRUE(c->publish("t", "1", mqtt::QoS::AtLeastOnce));
    EXPECT_TRUE(c->publish("t", "2", mqtt::QoS::ExactlyOnce));
    EXPECT_FALSE(c->publish("t", "3", mqtt::QoS::AtLeastOnce));
    EXPECT_FALSE(c->publish("bad/#", "x", mqtt::QoS::AtLeastOnce));
    EXPECT_EQ(c->pending(), 2u);
    std::vector<std::string> errors;
    c->publish("t", "late", mqtt::QoS::AtLeastOnce, false,
               [&](const Error& e) { errors.push_back(e.message); });
    c->stop();
    EXPECT_EQ(c->pending(), 0u);
    EXPECT_TRUE(errors.empty());  // the third was refused, so its handler never runs
    h.run();
}

TEST(ReconnectingClient, StopFailsWhatIsHeld) {
    Harness h;
    auto c = h.make();
    c->start();
    std::vector<Error::Kind> kinds;
    c->publish("t", "1", mqtt::QoS::AtLeastOnce, false, [&](const Error& e) { kinds.push_back(e.kind); });
    c->stop();
    EXPECT_EQ(kinds, std::vector<Error::Kind>{Error::Kind::Closed});
    EXPECT_FALSE(c->publish("t", "2", mqtt::QoS::AtLeastOnce));
    h.run();
}

TEST(ReconnectingClient, IncomingQos2IsDeliveredOnceAcrossConnections) {
    Harness h;
    auto c = h.make();
    std::vector<std::string> got;
    c->on_message([&](const mqtt::Publish& p) { got.emplace_back(p.payload); });
    int subacks = 0;
    Wire& w0 = connect_and_subscribe(h, *c, subacks);
    h.publish(w0, 7, "once");
    h.run();
    auto s = h.sent(w0);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, T::Pubrec);
    w0.drop();  // before the broker's PUBREL
    h.run_until_connection(1);
    ASSERT_EQ(h.conns.size(), 2u);
    Wire& w1 = *h.conns[1];
    h.sent(w1);
    h.connack(w1, true);
    h.publish(w1, 7, "once", true);  // the broker re-sends, as it must
    h.run();
    s = h.sent(w1);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, T::Pubrec);
    h.ack<mqtt::Pubrel>(w1, 7);
    h.run();
    s = h.sent(w1);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, T::Pubcomp);
    EXPECT_EQ(got, std::vector<std::string>{"once"});
    c->stop();
    h.run();
}

TEST(ReconnectingClient, BacksOffBetweenFailedAttempts) {
    Harness h;
    ReconnectOptions r;
    r.backoff = {milliseconds(20), milliseconds(40), 0.0};
    auto c = h.make(r);
    std::vector<milliseconds> delays;
    c->on_disconnected([&](const Error& e, milliseconds retry_in) {
        EXPECT_EQ(e.kind, Error::Kind::Network);
        delays.push_back(retry_in);
    });
    h.refuse = true;
    c->start();
    h.run_until([&] { return delays.size() >= 3; });
    ASSERT_GE(delays.size(), 3u);
    EXPECT_EQ(delays[0], milliseconds(20));
    EXPECT_EQ(delays[1], milliseconds(40));
    EXPECT_EQ(delays[2], milliseconds(40));  // capped
    EXPECT_GE(h.conns.size(), 3u);
    EXPECT_FALSE(c->ever_connected());
    c->stop();
    h.run();
}

// ---- Client with manual acknowledgement (ConnectOptions::manual_acks), as a bridge uses it ----

namespace {

struct ManualClient {
    Harness h;
    std::shared_ptr<Wire> wire;
    std::shared_ptr<Client> client;
    std::vector<std::string> got;
    std::vector<std::uint16_t> pubrels;

    explicit ManualClient(bool manual = true) {
        wire = std::make_shared<Wire>(h.io);
        client = Client::create(h.io, std::make_unique<FakeStream>(h.io, wire, false));
        client->on_message([this](const mqtt::Publish& p) { got.emplace_back(p.payload); });
        client->on_pubrel([this](std::uint16_t id) { pubrels.push_back(id); });
        ConnectOptions o;
        o.version = mqtt::ProtocolVersion::V5;
        o.client_id = "bridge";
        o.keep_alive = 0;
        o.manual_acks = manual;
        client->connect(o, [](const Error& e, const mqtt::Connack*) { EXPECT_FALSE(e); });
        h.run();
        h.sent(*wire);  // CONNECT
        h.connack(*wire, false);
        h.run();
    }
    ~ManualClient() {
        client->close();
        h.run();
    }
    void publish(std::uint16_t id, std::string_view payload, mqtt::QoS qos, bool dup = false) {
        mqtt::Packet p{std::in_place_type<mqtt::Publish>};
        auto& x = std::get<mqtt::Publish>(p);
        x.topic = "a/b";
        x.payload = payload;
        x.qos = qos;
        x.packet_id = id;
        x.dup = dup;
        h.send(*wire, p);
        h.run();
    }
};

}  // namespace

TEST(ClientManualAcks, Qos1IsAcknowledgedOnlyWhenTheCallerSays) {
    ManualClient m;
    m.publish(5, "one", mqtt::QoS::AtLeastOnce);
    EXPECT_EQ(m.got, std::vector<std::string>{"one"});
    EXPECT_TRUE(m.h.sent(*m.wire).empty());  // no PUBACK yet
    ASSERT_TRUE(m.client->acknowledge(5, mqtt::QoS::AtLeastOnce));
    m.h.run();
    const auto s = m.h.sent(*m.wire);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, T::Puback);
    EXPECT_EQ(s[0].id, 5);
}

TEST(ClientManualAcks, Qos2ReSendsAreDeliveredAndEveryStepWaitsForTheCaller) {
    ManualClient m;
    m.publish(9, "two", mqtt::QoS::ExactlyOnce);
    m.publish(9, "two", mqtt::QoS::ExactlyOnce, true);  // the broker's re-send: passed on, the caller decides
    EXPECT_EQ(m.got, (std::vector<std::string>{"two", "two"}));
    EXPECT_TRUE(m.h.sent(*m.wire).empty());  // no PUBREC yet
    m.client->acknowledge(9, mqtt::QoS::ExactlyOnce);
    m.h.run();
    auto s = m.h.sent(*m.wire);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, T::Pubrec);
    m.h.ack<mqtt::Pubrel>(*m.wire, 9);
    m.h.run();
    EXPECT_EQ(m.pubrels, std::vector<std::uint16_t>{9});
    EXPECT_TRUE(m.h.sent(*m.wire).empty());  // no PUBCOMP yet
    m.client->complete_incoming(9);
    m.h.run();
    s = m.h.sent(*m.wire);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, T::Pubcomp);
    EXPECT_EQ(s[0].id, 9);
}

TEST(ClientManualAcks, OutgoingQos2CompletesAtPubrecAndTheCallerReleases) {
    ManualClient m;
    int done = 0;
    // Any identifier a relayed message had, also those above the window's own range.
    ASSERT_TRUE(m.client->publish_with_id(65'300, false, "a/b", "x", mqtt::QoS::ExactlyOnce, false,
                                          [&](const Error& e) {
                                              EXPECT_FALSE(e);
                                              ++done;
                                          }));
    m.h.run();
    auto s = m.h.sent(*m.wire);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].id, 65'300);
    m.h.ack<mqtt::Pubrec>(*m.wire, 65'300);
    m.h.run();
    EXPECT_EQ(done, 1);
    EXPECT_TRUE(m.h.sent(*m.wire).empty());  // no PUBREL until the caller's
    ASSERT_TRUE(m.client->resend_pubrel(65'300, [&](const Error& e) {
        EXPECT_FALSE(e);
        ++done;
    }));
    m.h.run();
    s = m.h.sent(*m.wire);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, T::Pubrel);
    m.h.ack<mqtt::Pubcomp>(*m.wire, 65'300);
    m.h.run();
    EXPECT_EQ(done, 2);
}

TEST(ClientManualAcks, SubscribeSkipsAnIdentifierARelayedPublishHolds) {
    ManualClient m;
    ASSERT_TRUE(m.client->publish_with_id(65'280, false, "a/b", "x", mqtt::QoS::AtLeastOnce, false, {}));
    ASSERT_TRUE(m.client->subscribe("a/#", mqtt::QoS::AtLeastOnce, {}));
    m.h.run();
    const auto s = m.h.sent(*m.wire);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].id, 65'280);
    EXPECT_EQ(s[1].type, T::Subscribe);
    EXPECT_NE(s[1].id, 65'280);
    // and a relayed PUBLISH cannot take the identifier of a SUBSCRIBE awaiting its SUBACK
    EXPECT_FALSE(m.client->publish_with_id(s[1].id, false, "a/b", "y", mqtt::QoS::AtLeastOnce, false, {}));
}

TEST(ClientManualAcks, AutomaticByDefault) {
    ManualClient m(false);
    m.publish(5, "one", mqtt::QoS::AtLeastOnce);
    const auto s = m.h.sent(*m.wire);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].type, T::Puback);
    EXPECT_FALSE(m.client->publish_with_id(65'300, false, "a/b", "x", mqtt::QoS::AtLeastOnce, false, {}));
}
