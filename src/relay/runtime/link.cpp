// The MQTT connection of one Tap (link.hpp).
#include "link.hpp"

#include <cstdio>

#include "mqtt/reason_code.hpp"

namespace tapmq::relay::runtime {

std::string describe_failure(const client::Error& e, const std::string& name,
                             const client::ConnectOptions& o) {
    if (e.kind == client::Error::Kind::Refused &&
        e.message.rfind("the broker refused the subscription", 0) == 0)
        return e.message;
    if (e.kind == client::Error::Kind::Refused) {
        char code[8];
        std::snprintf(code, sizeof code, "0x%02X", static_cast<unsigned>(e.reason));
        std::string s =
            "the broker refused " + name + ": " + code + " " + std::string(mqtt::to_string(e.reason));
        if (e.reason == mqtt::ReasonCode::BadUserNameOrPassword ||
            e.reason == mqtt::ReasonCode::NotAuthorized)
            s += " (check -u/-P, the relay settings' user name and password, or the broker's password file)";
        return s;
    }
    if (e.kind == client::Error::Kind::Timeout && !e.message.empty()) return e.message;
    if (e.message.empty())
        return std::string(client::to_string(e.kind)) + " (" + o.host + ":" + std::to_string(o.port) + ")";
    return e.message;
}

std::shared_ptr<Link> Link::create(boost::asio::io_context& io, LinkOptions o) {
    return std::shared_ptr<Link>(new Link(io, std::move(o)));
}

Link::Link(boost::asio::io_context& io, LinkOptions o)
    : io_(io), options_(std::move(o)), backoff_(options_.backoff), timer_(io) {}

Link::~Link() {
    stopped_ = true;
    if (client_) client_->close();
}

void Link::start() {
    attempt();
}

void Link::attempt() {
    if (stopped_) return;
    client_ = client::Client::create(io_, options_.make_stream(io_));
    std::weak_ptr<Link> weak = weak_from_this();
    auto* raw = client_.get();
    client_->on_message([weak](const mqtt::Publish& p) {
        if (auto self = weak.lock(); self && !self->stopped_ && self->on_message_) self->on_message_(p);
    });
    client_->on_close([weak, raw](const client::Error& e) {
        auto self = weak.lock();
        if (!self || self->stopped_ || self->client_.get() != raw) return;
        self->lost(e ? e
                     : client::Error{client::Error::Kind::Network, mqtt::ReasonCode::Success,
                                     "the connection ended"});
    });
    auto o = options_.connect;
    if (options_.make_auth) o.auth = options_.make_auth();
    client_->connect(o, [weak, raw](const client::Error& e, const mqtt::Connack*) {
        auto self = weak.lock();
        if (!self || self->stopped_ || self->client_.get() != raw) return;
        self->on_connack(e);
    });
}

void Link::on_connack(const client::Error& e) {
    if (e) {
        lost(e);
        return;
    }
    ever_up_ = true;
    backoff_.reset();
    subscribe();
    if (on_up_) on_up_();
}

void Link::subscribe() {
    if (options_.subscriptions.empty()) return;
    std::vector<mqtt::TopicSubscription> topics;
    for (const auto& f : options_.subscriptions) {
        mqtt::TopicSubscription t;
        t.filter = f;
        t.options.qos = mqtt::QoS::AtLeastOnce;
        topics.push_back(t);
    }
    std::weak_ptr<Link> weak = weak_from_this();
    client_->subscribe(topics, [weak](const client::Error& e, const mqtt::Suback* s) {
        auto self = weak.lock();
        if (!self || self->stopped_) return;
        bool refused = !s;
        if (s) {
            for (auto rc : s->reasons)
                refused = refused || mqtt::is_error(rc);
        }
        if (refused && self->client_ && self->client_->connected()) {
            // A Tap that cannot hear its commands is useless: say so and try again later.
            client::Error err =
                e ? e
                  : client::Error::refused(mqtt::ReasonCode::UnspecifiedError,
                                           "the broker refused the subscription to the cmd topics "
                                           "(check its ACL)");
            self->lost(err);
        }
    });
}

void Link::lost(const client::Error& e) {
    if (client_) {
        auto c = std::move(client_);  // its close handler sees client_ changed and does nothing
        c->close();
    }
    if (stopped_) return;
    const auto delay = backoff_.next();
    if (on_down_) on_down_(e, describe_failure(e, options_.name, options_.connect), delay);
    timer_.expires_after(delay);
    std::weak_ptr<Link> weak = weak_from_this();
    timer_.async_wait([weak](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (!ec && self) self->attempt();
    });
}

bool Link::publish(std::string_view topic, std::string_view payload, mqtt::QoS qos, bool retain,
                   client::PublishHandler done, const mqtt::Properties* properties) {
    if (stopped_ || !connected()) return false;
    return client_->publish(topic, payload, qos, retain, std::move(done), properties);
}

void Link::stop(std::string last_topic, std::string last_payload, std::chrono::milliseconds wait,
                std::function<void()> done) {
    stopped_ = true;
    timer_.cancel();
    on_up_ = nullptr;
    on_down_ = nullptr;
    on_message_ = nullptr;
    if (!connected()) {
        if (client_) client_->close();
        client_.reset();
        if (done) boost::asio::post(io_, std::move(done));
        return;
    }
    auto c = client_;
    auto finished = std::make_shared<bool>(false);
    auto finish = [c, finished, done = std::move(done), self = shared_from_this()]() {
        if (*finished) return;
        *finished = true;
        self->timer_.cancel();
        c->on_close([done](const client::Error&) {
            if (done) done();
        });
        if (c->connected()) {
            c->disconnect();
        } else {
            c->close();
        }
    };
    const bool sent = c->publish(last_topic, last_payload, mqtt::QoS::AtLeastOnce, true,
                                 [finish](const client::Error&) mutable { finish(); });
    if (!sent) {
        finish();
        return;
    }
    timer_.expires_after(wait);
    timer_.async_wait([finish](const boost::system::error_code& ec) mutable {
        if (!ec) finish();
    });
}

}  // namespace tapmq::relay::runtime
