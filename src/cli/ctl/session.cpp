// A synchronous MQTT session for `tapmq ctl` (session.hpp).
#include "session.hpp"

#include "client/tls_stream.hpp"
#include "outcome.hpp"

namespace tapmq::cli::ctl {

namespace {

int code_for(const client::Error& e) {
    using K = client::Error::Kind;
    switch (e.kind) {
        case K::Refused:
            return kCtlBroker;
        case K::Timeout:
            return kCtlTimeout;
        case K::Rejected:
            return kCtlBadInput;
        default:
            return kCtlNetwork;
    }
}

}  // namespace

Session::Session(const ConnectionArgs& args, const std::string& id_prefix)
    : work_(boost::asio::make_work_guard(io_)), signals_(io_, SIGINT, SIGTERM) {
    try {
        ResolvedConnection c = resolve_connection(args, id_prefix);
        make_stream_ = make_stream(c);
        options_ = c.options;
        where_ = c.where;
        if (c.make_auth) options_.auth = c.make_auth();
    } catch (const std::invalid_argument& e) {
        throw CtlError(kCtlBadInput, e.what());
    } catch (const client::TlsConfigError& e) {
        throw CtlError(kCtlBadInput, e.what());
    }
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
        if (!ec) interrupted_ = true;
    });
}

Session::~Session() {
    if (client_) client_->close();
    boost::system::error_code ignored;
    signals_.cancel(ignored);
    // The client keeps itself alive until the handlers of its aborted operations have run
    // (a failed connect leaves its timer's): let them run before the io_context can go.
    io_.restart();
    io_.poll();
}

void Session::connect() {
    client_ = client::Client::create(io_, make_stream_(io_));
    client_->on_message([this](const mqtt::Publish& p) {
        if (on_message_) on_message_(p);
    });
    client_->on_close([this](const client::Error& e) {
        if (!lost_)
            lost_ = e ? e : client::Error{client::Error::Kind::Closed, {}, "the connection was closed"};
    });
    auto result = std::make_shared<std::optional<client::Error>>();
    client_->connect(options_, [result](const client::Error& e, const mqtt::Connack*) { *result = e; });
    run_until([&] { return result->has_value() || lost_.has_value(); },
              Clock::now() + options_.connect_timeout + std::chrono::seconds(1));
    if (interrupted_) throw CtlError(kCtlNetwork, "interrupted");
    if (!*result)
        *result = lost_.value_or(client::Error{client::Error::Kind::Timeout, {}, "no CONNACK in time"});
    if (**result) {
        throw CtlError(code_for(**result),
                       "cannot connect to the broker at " + where_ + ": " + (*result)->message);
    }
    lost_.reset();
}

void Session::subscribe(const std::vector<std::string>& filters) {
    std::vector<mqtt::TopicSubscription> subs;
    for (const auto& f : filters) {
        mqtt::TopicSubscription s;
        s.filter = f;
        s.options.qos = mqtt::QoS::AtLeastOnce;
        subs.push_back(s);
    }
    struct Outcome {
        std::optional<client::Error> result;
        std::vector<mqtt::ReasonCode> reasons;
    };
    auto out = std::make_shared<Outcome>();
    if (!client_->subscribe(subs, [out](const client::Error& e, const mqtt::Suback* ack) {
            out->result = e;
            if (ack) out->reasons = ack->reasons;
        })) {
        throw CtlError(kCtlBadInput, "cannot subscribe to " + filters.front() + ": not a valid topic filter");
    }
    run_until([&] { return out->result.has_value(); }, Clock::now() + std::chrono::seconds(10));
    check_lost();
    if (!out->result) throw CtlError(kCtlTimeout, "no SUBACK from the broker in 10 s");
    if (*out->result) throw CtlError(code_for(*out->result), "subscribing failed: " + out->result->message);
    for (std::size_t i = 0; i < out->reasons.size() && i < filters.size(); ++i) {
        if (mqtt::is_error(out->reasons[i])) {
            throw CtlError(kCtlBroker, "the broker refused the subscription to " + filters[i] +
                                           " (check the ACL of this user)");
        }
    }
}

void Session::publish(const std::string& topic, const std::string& payload, const mqtt::Properties* props) {
    check_lost();
    if (!client_->publish(topic, payload, mqtt::QoS::AtLeastOnce, false, {}, props)) {
        throw CtlError(kCtlBadInput,
                       "cannot publish on " + topic + " (not a valid topic, or too large for the broker)");
    }
}

bool Session::run_until(const std::function<bool()>& done, Clock::time_point deadline) {
    while (!done()) {
        if (interrupted_ || lost_) break;
        if (Clock::now() >= deadline) return false;
        io_.run_one_until(deadline);
    }
    check_lost();
    return done();
}

void Session::check_lost() {
    if (lost_ && client_) {
        throw CtlError(kCtlNetwork, "lost the connection to the broker at " + where_ + ": " + lost_->message);
    }
}

void Session::disconnect() {
    if (!client_ || lost_) return;
    auto closed = std::make_shared<bool>(false);
    client_->on_close([closed](const client::Error&) { *closed = true; });
    client_->disconnect();
    run_until([&] { return *closed; }, Clock::now() + std::chrono::seconds(2));
    client_->close();
    client_.reset();
}

}  // namespace tapmq::cli::ctl
