#include "pub.hpp"

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <thread>

#include "client/client.hpp"
#include "client/reconnecting_client.hpp"
#include "client/tls_stream.hpp"
#include "exit_codes.hpp"

namespace tapmq::cli {
namespace {

constexpr std::size_t kWindow = 1000;                // QoS 1/2 messages in flight or queued at once
constexpr std::size_t kMaxPendingOutput = 4u << 20;  // bytes encoded but not yet written

// Publishes `count` messages through the client, keeping the backlog bounded, then disconnects.
class Publisher {
  public:
    Publisher(boost::asio::io_context& io, const PubArgs& a, std::string topic, std::string payload,
              std::unique_ptr<client::Stream> stream)
        : io_(io),
          args_(a),
          topic_(std::move(topic)),
          payload_(std::move(payload)),
          timer_(io),
          client_(client::Client::create(io, std::move(stream))) {}

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
            if (!client_->publish(topic_, payload_, qos, args_.retain, std::move(done))) {
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
    std::string topic_;
    std::string payload_;
    boost::asio::steady_timer timer_;
    std::shared_ptr<client::Client> client_;
    unsigned sent_ = 0;
    unsigned acked_ = 0;
    int rc_ = kExitOk;
    bool interrupted_ = false;
};

// Reads standard input line by line on its own thread and hands each line to the io_context, holding
// back while `limit` lines are outstanding. The thread is detached at the end: it may be blocked in a
// read, and posts nothing once the io_context is gone.
class LineReader {
  public:
    struct Shared {
        std::mutex mutex;
        std::condition_variable cv;
        boost::asio::io_context* io = nullptr;  // null once the publisher is done
        std::size_t outstanding = 0;
    };

    LineReader(boost::asio::io_context& io, std::size_t limit)
        : shared_(std::make_shared<Shared>()), limit_(limit) {
        shared_->io = &io;
    }
    ~LineReader() {
        {
            std::lock_guard lock(shared_->mutex);
            shared_->io = nullptr;
        }
        shared_->cv.notify_all();
        if (thread_.joinable()) thread_.detach();
    }

    // on_line(line) for each non-empty line, then on_eof(); both on the io_context's thread.
    void start(std::function<void(std::string)> on_line, std::function<void()> on_eof) {
        thread_ = std::thread(
            [shared = shared_, limit = limit_, on_line = std::move(on_line), on_eof = std::move(on_eof)] {
                std::string line;
                while (std::getline(std::cin, line)) {
                    if (!line.empty() && line.back() == '\r') line.pop_back();
                    if (line.empty()) continue;
                    std::unique_lock lock(shared->mutex);
                    shared->cv.wait(lock, [&] { return !shared->io || shared->outstanding < limit; });
                    if (!shared->io) return;
                    ++shared->outstanding;
                    boost::asio::post(*shared->io,
                                      [on_line, l = std::move(line)]() mutable { on_line(std::move(l)); });
                }
                std::lock_guard lock(shared->mutex);
                if (shared->io) boost::asio::post(*shared->io, on_eof);
            });
    }

    // A line is done with (acknowledged, sent at QoS 0, or dropped).
    void done() {
        {
            std::lock_guard lock(shared_->mutex);
            --shared_->outstanding;
        }
        shared_->cv.notify_all();
    }

  private:
    std::shared_ptr<Shared> shared_;
    std::size_t limit_;
    std::thread thread_;
};

// Publishes through a ReconnectingClient: each line of standard input (-l), or the message COUNT
// times. With --reconnect a lost connection is retried and unacknowledged QoS 1/2 messages are sent
// again; without it the first loss ends the run as it does for Publisher.
class SessionPublisher {
  public:
    SessionPublisher(boost::asio::io_context& io, const PubArgs& a, std::string topic, std::string payload)
        : io_(io),
          args_(a),
          topic_(std::move(topic)),
          payload_(std::move(payload)),
          qos_(static_cast<mqtt::QoS>(a.qos)),
          timer_(io),
          signals_(io, SIGINT, SIGTERM),
          lines_(io, std::max<std::size_t>(a.conn.max_queued, 1)) {}

    int run(const ResolvedConnection& conn, client::StreamFactory make) {
        client_ = client::ReconnectingClient::create(io_, conn.options, std::move(make),
                                                     to_reconnect_options(args_.conn, conn));
        signals_.async_wait([this](const boost::system::error_code& ec, int) {
            if (ec) return;
            interrupted_ = true;
            finish(kExitOk);
        });
        client_->on_disconnected([this](const client::Error& e, std::chrono::milliseconds retry_in) {
            if (!args_.conn.reconnect || !client_->ever_connected()) {
                report(e);
                finish(exit_code_for(e));
                return;
            }
            if (!args_.quiet) {
                std::fprintf(stderr, "tapmq pub: %s; reconnecting in %.1f s\n", e.message.c_str(),
                             static_cast<double>(retry_in.count()) / 1000.0);
            }
        });
        client_->on_connected([this](bool session_present) {
            if (started_) {
                if (!args_.quiet) {
                    std::fprintf(stderr, "tapmq pub: reconnected (%s), %zu messages to send\n",
                                 session_present ? "session present" : "new session", client_->pending());
                }
                if (!args_.stdin_lines) send_more();  // QoS 0 messages wait for a connection
                return;
            }
            started_ = true;
            if (args_.stdin_lines) {
                lines_.start([this](std::string line) { publish_line(std::move(line)); },
                             [this] {
                                 eof_ = true;
                                 maybe_done();
                             });
            } else {
                send_more();
            }
        });
        client_->start();
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
        if (done_) return;
        done_ = true;
        if (rc_ == kExitOk) rc_ = rc;
        timer_.cancel();
        boost::system::error_code ignored;
        signals_.cancel(ignored);
        client_->stop();
    }

    client::PublishHandler on_done(bool line) {
        return [this, line](const client::Error& e) {
            if (line) lines_.done();
            if (done_) return;
            if (e) {
                report(e);
                finish(exit_code_for(e));
                return;
            }
            ++acked_;
            if (!line && args_.interval <= 0) send_more();
            maybe_done();
        };
    }

    void publish_line(std::string line) {
        if (done_) {
            lines_.done();
            return;
        }
        if (qos_ == mqtt::QoS::AtMostOnce) {
            if (!client_->publish(topic_, std::move(line), qos_, args_.retain) && !args_.quiet) {
                std::fprintf(stderr, "tapmq pub: not connected: a QoS 0 line was dropped\n");
            }
            lines_.done();
            return;
        }
        if (!client_->publish(topic_, std::move(line), qos_, args_.retain, on_done(true))) {
            lines_.done();  // the reader keeps max_queued outstanding, so only an invalid topic gets here
            report(client::Error{client::Error::Kind::Rejected, mqtt::ReasonCode::Success,
                                 "cannot publish to '" + topic_ + "'"});
            finish(kExitUsage);
        }
    }

    void send_more() {
        while (!done_ && sent_ < args_.count) {
            const bool ok = qos_ == mqtt::QoS::AtMostOnce
                                ? client_->publish(topic_, payload_, qos_, args_.retain)
                                : client_->publish(topic_, payload_, qos_, args_.retain, on_done(false));
            if (!ok) {
                if (qos_ == mqtt::QoS::AtMostOnce && !client_->connected()) return;  // on_connected resumes
                if (client_->pending() == 0) {
                    report(client::Error{client::Error::Kind::Rejected, mqtt::ReasonCode::Success,
                                         "cannot publish to '" + topic_ + "'"});
                    finish(kExitUsage);
                    return;
                }
                return;  // the queue is full: an acknowledgement resumes
            }
            ++sent_;
            if (args_.interval > 0 && sent_ < args_.count) {
                timer_.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::duration<double>(args_.interval)));
                timer_.async_wait([this](const boost::system::error_code& ec) {
                    if (!ec) send_more();
                });
                return;
            }
        }
        maybe_done();
    }

    void maybe_done() {
        if (done_) return;
        const bool all_given = args_.stdin_lines ? eof_ : sent_ >= args_.count;
        if (all_given && client_->pending() == 0) finish(kExitOk);
    }

    boost::asio::io_context& io_;
    const PubArgs& args_;
    std::string topic_;
    std::string payload_;
    mqtt::QoS qos_;
    boost::asio::steady_timer timer_;
    boost::asio::signal_set signals_;
    LineReader lines_;
    std::shared_ptr<client::ReconnectingClient> client_;
    unsigned sent_ = 0;
    unsigned acked_ = 0;
    int rc_ = kExitOk;
    bool started_ = false;
    bool eof_ = false;
    bool done_ = false;
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
    ResolvedConnection conn;
    client::StreamFactory make;
    try {
        conn = resolve_connection(args.conn, "tapmq-pub-");
        if (!args.topic.empty() && !conn.url_topic.empty()) {
            throw std::invalid_argument("two topics: -t and the path of -L; give one");
        }
        make = make_stream(conn);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "tapmq pub: %s\n", e.what());
        return kExitUsage;
    } catch (const client::TlsConfigError& e) {
        std::fprintf(stderr, "tapmq pub: %s\n", e.what());
        return kExitUsage;
    }
    const std::string topic = args.topic.empty() ? conn.url_topic : args.topic;
    if (topic.empty()) {
        std::fprintf(stderr, "tapmq pub: a topic is needed (-t, or mqtt://host/topic with -L)\n");
        return kExitUsage;
    }
    if (args.stdin_lines || args.conn.reconnect) {
        std::string payload;
        if (!args.stdin_lines) {
            auto p = read_payload(args);
            if (!p) {
                std::fprintf(stderr, "tapmq pub: cannot read %s\n", args.file.c_str());
                return kExitUsage;
            }
            payload = std::move(*p);
        }
        boost::asio::io_context io;
        SessionPublisher p(io, args, topic, std::move(payload));
        return p.run(conn, std::move(make));
    }
    auto payload = read_payload(args);
    if (!payload) {
        std::fprintf(stderr, "tapmq pub: cannot read %s\n", args.file.c_str());
        return kExitUsage;
    }
    boost::asio::io_context io;
    Publisher p(io, args, topic, std::move(*payload), make(io));
    return p.run(conn.options);
}

}  // namespace tapmq::cli
