#include "pub.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "client/client.hpp"
#include "exit_codes.hpp"

namespace tapmq::cli {
namespace {

constexpr std::size_t kWindow = 1000;                // QoS 1/2 messages in flight or queued at once
constexpr std::size_t kMaxPendingOutput = 4u << 20;  // bytes encoded but not yet written

// Publishes `count` messages through the client, keeping the backlog bounded, then disconnects.
class Publisher {
  public:
    Publisher(boost::asio::io_context& io, const PubArgs& a, std::string payload)
        : io_(io), args_(a), payload_(std::move(payload)), timer_(io), client_(client::Client::create(io)) {}

    int run(const client::ConnectOptions& o) {
        boost::asio::signal_set signals(io_, SIGINT, SIGTERM);
        signals.async_wait([this](const boost::system::error_code& ec, int) {
            if (ec) return;
            interrupted_ = true;
            finish(kExitOk);
        });
        client_->on_close([this, &signals](const client::Error& e) {
            if (e) report(e);
            timer_.cancel();
            signals.cancel();
        });
        client_->connect(o, [this, &signals](const client::Error& e, const mqtt::Connack*) {
            if (e) {
                report(e);
                signals.cancel();
                return;
            }
            send_more();
        });
        io_.run();
        return rc_;
    }

  private:
    void report(const client::Error& e) {
        if (interrupted_ && e.kind == client::Error::Kind::Closed) return;
        if (rc_ == kExitOk) rc_ = exit_code_for(e);
        if (!args_.quiet) std::fprintf(stderr, "tapmq pub: %s\n", e.message.c_str());
    }

    void finish(int rc) {
        if (rc_ == kExitOk) rc_ = rc;
        timer_.cancel();
        client_->disconnect();
    }

    void send_more() {
        const auto qos = static_cast<mqtt::QoS>(args_.qos);
        while (sent_ < args_.count) {
            if (client_->inflight() + client_->queued() >= kWindow ||
                client_->pending_output() >= kMaxPendingOutput) {
                // Let the output drain (QoS 0) or wait for acknowledgements (QoS 1/2: on_done resumes).
                if (qos == mqtt::QoS::AtMostOnce) retry_soon(std::chrono::milliseconds(1));
                return;
            }
            client::PublishHandler done;
            if (qos != mqtt::QoS::AtMostOnce) done = [this](const client::Error& e) { on_done(e); };
            if (!client_->publish(args_.topic, payload_, qos, args_.retain, std::move(done))) {
                client::Error e{client::Error::Kind::Rejected, mqtt::ReasonCode::Success,
                                "the broker does not accept this PUBLISH (QoS above its maximum, retain not "
                                "available, or larger than its maximum packet size)"};
                report(e);
                finish(kExitRefused);
                return;
            }
            ++sent_;
            if (args_.interval > 0 && sent_ < args_.count) {
                retry_soon(std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::duration<double>(args_.interval)));
                return;
            }
        }
        if (qos == mqtt::QoS::AtMostOnce) finish(kExitOk);
    }

    void retry_soon(std::chrono::milliseconds after) {
        timer_.expires_after(after);
        timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec && client_->connected()) send_more();
        });
    }

    void on_done(const client::Error& e) {
        if (e) {
            report(e);
            if (e.kind == client::Error::Kind::Refused) finish(kExitRefused);
            return;
        }
        if (++acked_ == args_.count) {
            finish(kExitOk);
        } else if (args_.interval <= 0) {
            send_more();
        }
    }

    boost::asio::io_context& io_;
    const PubArgs& args_;
    std::string payload_;
    boost::asio::steady_timer timer_;
    std::shared_ptr<client::Client> client_;
    unsigned sent_ = 0;
    unsigned acked_ = 0;
    int rc_ = kExitOk;
    bool interrupted_ = false;
};

std::optional<std::string> read_payload(const PubArgs& a) {
    if (a.from_stdin) {
        std::ostringstream s;
        s << std::cin.rdbuf();
        return s.str();
    }
    if (!a.file.empty()) {
        std::ifstream f(a.file, std::ios::binary);
        if (!f) return std::nullopt;
        return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    if (a.null_message) return std::string();
    return a.message.value_or(std::string());
}

}  // namespace

int run_pub(const PubArgs& args) {
    if (args.topic.empty()) {
        std::fprintf(stderr, "tapmq pub: a topic is needed (-t)\n");
        return kExitUsage;
    }
    auto payload = read_payload(args);
    if (!payload) {
        std::fprintf(stderr, "tapmq pub: cannot read %s\n", args.file.c_str());
        return kExitUsage;
    }
    client::ConnectOptions o;
    try {
        o = to_connect_options(args.conn, "tapmq-pub-");
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "tapmq pub: %s\n", e.what());
        return kExitUsage;
    }
    boost::asio::io_context io;
    Publisher p(io, args, std::move(*payload));
    return p.run(o);
}

}  // namespace tapmq::cli
