#include "sub.hpp"

#include <cstdio>

#include "client/client.hpp"
#include "client/reconnecting_client.hpp"
#include "client/tls_stream.hpp"
#include "exit_codes.hpp"
#include "mqtt/topic.hpp"

namespace tapmq::cli {
namespace {

class Subscriber {
  public:
    Subscriber(boost::asio::io_context& io, const SubArgs& a, std::vector<std::string> topics)
        : io_(io), args_(a), topics_(std::move(topics)), timer_(io), signals_(io, SIGINT, SIGTERM) {}

    int run(const ResolvedConnection& conn, const client::StreamFactory& make) {
        signals_.async_wait([this](const boost::system::error_code& ec, int) {
            if (ec) return;
            interrupted_ = true;
            finish(kExitOk);
        });
        if (args_.conn.reconnect) {
            start_reconnecting(conn, make);
        } else {
            start(conn.options, make);
        }
        if (args_.timeout > 0) {
            timer_.expires_after(std::chrono::seconds(args_.timeout));
            timer_.async_wait([this](const boost::system::error_code& ec) {
                if (!ec) finish(kExitTimeout);
            });
        }
        io_.run();
        std::fflush(stdout);
        return rc_;
    }

  private:
    // One connection: its loss ends the run.
    void start(const client::ConnectOptions& o, const client::StreamFactory& make) {
        client_ = client::Client::create(io_, make(io_));
        client_->on_message([this](const mqtt::Publish& p) { on_message(p); });
        client_->on_close([this](const client::Error& e) {
            if (e) report(e);
            stop_waiting();
        });
        client_->connect(o, [this](const client::Error& e, const mqtt::Connack*) {
            if (e) {
                report(e);
                stop_waiting();
                return;
            }
            subscribe();
        });
    }

    // --reconnect: the session is kept across connections, subscriptions are made again when the
    // broker lost it; only a first attempt that fails ends the run.
    void start_reconnecting(const ResolvedConnection& conn, const client::StreamFactory& make) {
        rclient_ = client::ReconnectingClient::create(io_, conn.options, make,
                                                      to_reconnect_options(args_.conn, conn));
        rclient_->on_message([this](const mqtt::Publish& p) { on_message(p); });
        rclient_->on_disconnected([this](const client::Error& e, std::chrono::milliseconds retry_in) {
            if (!rclient_->ever_connected()) {
                report(e);
                finish(exit_code_for(e));
                return;
            }
            if (!args_.quiet) {
                std::fprintf(stderr, "tapmq sub: %s; reconnecting in %.1f s\n", e.message.c_str(),
                             static_cast<double>(retry_in.count()) / 1000.0);
            }
        });
        bool first = true;
        rclient_->on_connected([this, first](bool session_present) mutable {
            if (!first && !args_.quiet) {
                std::fprintf(stderr, "tapmq sub: reconnected (%s)\n",
                             session_present ? "session present" : "new session");
            }
            first = false;
        });
        for (std::size_t i = 0; i < topics_.size(); ++i) {
            mqtt::SubscriptionOptions so;
            so.qos = static_cast<mqtt::QoS>(args_.qos);
            so.no_local = args_.no_local;
            rclient_->subscribe(topics_[i], so, [this, i](const client::Error& e, const mqtt::Suback* ack) {
                if (e || !ack || ack->reasons.empty() || !mqtt::is_error(ack->reasons[0])) return;
                report(
                    client::Error::refused(ack->reasons[0], "subscription to '" + topics_[i] + "' refused"));
                finish(kExitRefused);
            });
        }
        rclient_->start();
    }

    void subscribe() {
        std::vector<mqtt::TopicSubscription> subs;
        for (const auto& t : topics_) {
            mqtt::TopicSubscription s;
            s.filter = t;
            s.options.qos = static_cast<mqtt::QoS>(args_.qos);
            s.options.no_local = args_.no_local;
            subs.push_back(s);
        }
        client_->subscribe(subs, [this](const client::Error& e, const mqtt::Suback* ack) {
            if (e) {
                report(e);
                return;
            }
            for (std::size_t i = 0; i < ack->reasons.size() && i < topics_.size(); ++i) {
                if (!mqtt::is_error(ack->reasons[i])) continue;
                report(
                    client::Error::refused(ack->reasons[i], "subscription to '" + topics_[i] + "' refused"));
                finish(kExitRefused);
                return;
            }
        });
    }

    void on_message(const mqtt::Publish& p) {
        if (done_) return;
        if (args_.skip_retained && p.retain) return;
        if (args_.verbose) {
            std::fwrite(p.topic.data(), 1, p.topic.size(), stdout);
            std::fputc(' ', stdout);
        }
        std::fwrite(p.payload.data(), 1, p.payload.size(), stdout);
        if (!args_.no_newline) std::fputc('\n', stdout);
        request_stdout_flush();
        if (args_.count > 0 && ++received_ >= args_.count) finish(kExitOk);
    }

    // One fflush per round of messages, not one per message.
    void request_stdout_flush() {
        if (flush_posted_) return;
        flush_posted_ = true;
        boost::asio::post(io_, [this] {
            flush_posted_ = false;
            std::fflush(stdout);
        });
    }

    void report(const client::Error& e) {
        if (interrupted_ && e.kind == client::Error::Kind::Closed) return;
        if (rc_ == kExitOk) rc_ = exit_code_for(e);
        if (!args_.quiet) std::fprintf(stderr, "tapmq sub: %s\n", e.message.c_str());
    }

    void finish(int rc) {
        if (done_) return;
        done_ = true;
        if (rc_ == kExitOk) rc_ = rc;
        if (rc == kExitTimeout && !args_.quiet) {
            std::fprintf(stderr, "tapmq sub: timed out after %u s (%u messages)\n", args_.timeout, received_);
        }
        if (client_) client_->disconnect();
        if (rclient_) rclient_->stop();
        stop_waiting();
    }

    void stop_waiting() {
        timer_.cancel();
        boost::system::error_code ignored;
        signals_.cancel(ignored);
    }

    boost::asio::io_context& io_;
    const SubArgs& args_;
    std::vector<std::string> topics_;
    boost::asio::steady_timer timer_;
    boost::asio::signal_set signals_;
    std::shared_ptr<client::Client> client_;               // one connection
    std::shared_ptr<client::ReconnectingClient> rclient_;  // --reconnect
    unsigned received_ = 0;
    int rc_ = kExitOk;
    bool done_ = false;
    bool interrupted_ = false;
    bool flush_posted_ = false;
};

}  // namespace

int run_sub(const SubArgs& args) {
    ResolvedConnection conn;
    client::StreamFactory make;
    try {
        conn = resolve_connection(args.conn, "tapmq-sub-");
        make = make_stream(conn);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "tapmq sub: %s\n", e.what());
        return kExitUsage;
    } catch (const client::TlsConfigError& e) {
        std::fprintf(stderr, "tapmq sub: %s\n", e.what());
        return kExitUsage;
    }
    std::vector<std::string> topics = args.topics;
    if (!conn.url_topic.empty()) topics.push_back(conn.url_topic);
    if (topics.empty()) {
        std::fprintf(stderr,
                     "tapmq sub: at least one topic filter is needed (-t, or mqtt://host/filter with -L)\n");
        return kExitUsage;
    }
    for (const auto& t : topics) {
        if (!mqtt::is_valid_topic_filter(t)) {
            std::fprintf(stderr, "tapmq sub: invalid topic filter '%s'\n", t.c_str());
            return kExitUsage;
        }
    }
    boost::asio::io_context io;
    Subscriber s(io, args, std::move(topics));
    return s.run(conn, make);
}

}  // namespace tapmq::cli
