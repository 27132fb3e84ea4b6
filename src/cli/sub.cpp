#include "sub.hpp"

#include <cstdio>

#include "client/client.hpp"
#include "exit_codes.hpp"
#include "mqtt/topic.hpp"

namespace tapmq::cli {
namespace {

class Subscriber {
  public:
    Subscriber(boost::asio::io_context& io, const SubArgs& a)
        : io_(io), args_(a), timer_(io), signals_(io, SIGINT, SIGTERM), client_(client::Client::create(io)) {}

    int run(const client::ConnectOptions& o) {
        signals_.async_wait([this](const boost::system::error_code& ec, int) {
            if (ec) return;
            interrupted_ = true;
            finish(kExitOk);
        });
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
    void subscribe() {
        std::vector<mqtt::TopicSubscription> subs;
        for (const auto& t : args_.topics) {
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
            for (std::size_t i = 0; i < ack->reasons.size() && i < args_.topics.size(); ++i) {
                if (!mqtt::is_error(ack->reasons[i])) continue;
                report(client::Error::refused(ack->reasons[i],
                                              "subscription to '" + args_.topics[i] + "' refused"));
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
        client_->disconnect();
        stop_waiting();
    }

    void stop_waiting() {
        timer_.cancel();
        boost::system::error_code ignored;
        signals_.cancel(ignored);
    }

    boost::asio::io_context& io_;
    const SubArgs& args_;
    boost::asio::steady_timer timer_;
    boost::asio::signal_set signals_;
    std::shared_ptr<client::Client> client_;
    unsigned received_ = 0;
    int rc_ = kExitOk;
    bool done_ = false;
    bool interrupted_ = false;
    bool flush_posted_ = false;
};

}  // namespace

int run_sub(const SubArgs& args) {
    if (args.topics.empty()) {
        std::fprintf(stderr, "tapmq sub: at least one topic filter is needed (-t)\n");
        return kExitUsage;
    }
    for (const auto& t : args.topics) {
        if (!mqtt::is_valid_topic_filter(t)) {
            std::fprintf(stderr, "tapmq sub: invalid topic filter '%s'\n", t.c_str());
            return kExitUsage;
        }
    }
    client::ConnectOptions o;
    try {
        o = to_connect_options(args.conn, "tapmq-sub-");
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "tapmq sub: %s\n", e.what());
        return kExitUsage;
    }
    boost::asio::io_context io;
    Subscriber s(io, args);
    return s.run(o);
}

}  // namespace tapmq::cli
