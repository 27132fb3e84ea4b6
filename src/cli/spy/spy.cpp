// run_spy: subscribe (never publish), decode each message, pair, alert, print; or decode a
// recording offline (--replay). Output is written in rounds: one fflush per batch of messages.
#include "spy.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "client/client.hpp"
#include "client/tls_stream.hpp"
#include "ctl/ctl.hpp"
#include "ctl/outcome.hpp"
#include "ctl/requester.hpp"
#include "decoder.hpp"
#include "exit_codes.hpp"
#include "format.hpp"
#include "mqtt/topic.hpp"
#include "recorder.hpp"
#include "tap/sensor_demo.hpp"
#include "tap/topic_parse.hpp"
#include "tracker.hpp"
#include "util/asio.hpp"

namespace tapmq::cli {

namespace {

using namespace spy;

std::int64_t unix_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class Spy {
  public:
    Spy(const SpyArgs& a, const tap::Project& project, std::optional<std::string> netkey)
        : args_(a),
          decoder_(a.prefix, std::move(netkey), project),
          tracker_(decoder_, static_cast<std::int64_t>(a.timeout * 1e6), a.warn_after) {
        fo_.json = a.json;
        fo_.format = a.format;
        fo_.color = a.color == "always" || (a.color == "auto" && !a.json && !a.format &&
                                            isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr);
    }

    bool open_record() {
        if (!args_.record) return true;
        record_.open(*args_.record, std::ios::trunc);
        if (!record_) {
            std::fprintf(stderr, "tapmq spy: cannot write %s\n", args_.record->c_str());
            return false;
        }
        return true;
    }

    // One message: recorded, decoded, paired, printed (alerts due first).
    void process(const Message& m) {
        if (record_.is_open()) record_ << record_line(m) << '\n';
        SpyEvent e = decoder_.decode(m);
        for (const auto& a : tracker_.on_event(e))
            print(format_alert(a, fo_));
        print(format_event(e, fo_));
        ++seen_;
    }

    void tick(std::int64_t now_us) {
        for (const auto& a : tracker_.tick(now_us))
            print(format_alert(a, fo_));
    }

    void print(const std::string& line) {
        out_ += line;
        out_ += '\n';
        if (out_.size() > 64 * 1024) flush();
    }

    void flush() {
        std::fwrite(out_.data(), 1, out_.size(), stdout);
        out_.clear();
        std::fflush(stdout);
        if (record_.is_open()) record_.flush();
    }

    void finish() {
        if (args_.summary) {
            flush();
            std::fputs(tracker_.summary().c_str(), stdout);
        }
        flush();
    }

    unsigned seen() const noexcept { return seen_; }

  private:
    const SpyArgs& args_;
    Decoder decoder_;
    Tracker tracker_;
    FormatOptions fo_;
    std::ofstream record_;
    std::string out_;
    unsigned seen_ = 0;
};

int replay(const SpyArgs& a, Spy& spy) {
    std::ifstream in(*a.replay);
    if (!in) {
        std::fprintf(stderr, "tapmq spy: cannot read %s\n", a.replay->c_str());
        return kExitUsage;
    }
    std::string line;
    std::size_t n = 0;
    std::int64_t last = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty()) continue;
        Message m;
        try {
            m = parse_record_line(line);
        } catch (const std::invalid_argument& e) {
            std::fprintf(stderr, "tapmq spy: %s:%zu: %s\n", a.replay->c_str(), n, e.what());
            return kExitUsage;
        }
        last = m.time_us;
        spy.process(m);
        if (a.count > 0 && spy.seen() >= a.count) break;
    }
    spy.tick(last);  // requests the recording shows unanswered for longer than the timeout
    spy.finish();
    return kExitOk;
}

class Live {
  public:
    Live(boost::asio::io_context& io, const SpyArgs& a, Spy& spy, std::vector<std::string> filters)
        : io_(io),
          args_(a),
          spy_(spy),
          filters_(std::move(filters)),
          ticker_(io),
          deadline_(io),
          signals_(io, SIGINT, SIGTERM) {}

    int run(const ResolvedConnection& conn, const client::StreamFactory& make) {
        signals_.async_wait([this](const boost::system::error_code& ec, int) {
            if (!ec) stop(kExitOk);
        });
        client_ = client::Client::create(io_, make(io_));
        client_->on_message([this](const mqtt::Publish& p) { on_message(p); });
        client_->on_close([this](const client::Error& e) {
            if (!done_ && e) {
                std::fprintf(stderr, "tapmq spy: %s\n", e.message.c_str());
                stop(exit_code_for(e));
            }
        });
        client_->connect(conn.options,
                         [this, where = conn.where](const client::Error& e, const mqtt::Connack*) {
                             if (e) {
                                 std::fprintf(stderr, "tapmq spy: cannot connect to %s: %s\n", where.c_str(),
                                              e.message.c_str());
                                 stop(exit_code_for(e));
                                 return;
                             }
                             subscribe();
                         });
        tick();
        if (args_.duration > 0) {
            deadline_.expires_after(std::chrono::seconds(args_.duration));
            deadline_.async_wait([this](const boost::system::error_code& ec) {
                if (!ec) stop(kExitOk);
            });
        }
        io_.run();
        spy_.finish();
        return rc_;
    }

  private:
    void subscribe() {
        std::vector<mqtt::TopicSubscription> subs;
        for (const auto& f : filters_) {
            mqtt::TopicSubscription s;
            s.filter = f;
            s.options.qos = mqtt::QoS::AtLeastOnce;
            subs.push_back(s);
        }
        client_->subscribe(subs, [this](const client::Error& e, const mqtt::Suback* ack) {
            if (e) return;
            for (std::size_t i = 0; ack && i < ack->reasons.size() && i < filters_.size(); ++i) {
                if (mqtt::is_error(ack->reasons[i])) {
                    std::fprintf(stderr, "tapmq spy: the broker refused the subscription to %s\n",
                                 filters_[i].c_str());
                    stop(kExitRefused);
                    return;
                }
            }
            std::fprintf(stderr, "tapmq spy: watching %s\n", filters_.front().c_str());
        });
    }

    void on_message(const mqtt::Publish& p) {
        if (done_) return;
        Message m;
        m.time_us = unix_us();
        m.topic = std::string(p.topic);
        m.payload = std::string(p.payload);
        m.qos = static_cast<int>(p.qos);
        m.retain = p.retain;
        if (p.properties.response_topic) m.response_topic = std::string(*p.properties.response_topic);
        if (p.properties.correlation_data) m.correlation = std::string(*p.properties.correlation_data);
        spy_.process(m);
        if (!flush_posted_) {
            flush_posted_ = true;
            boost::asio::post(io_, [this] {
                flush_posted_ = false;
                spy_.flush();
            });
        }
        if (args_.count > 0 && spy_.seen() >= args_.count) stop(kExitOk);
    }

    void tick() {
        ticker_.expires_after(std::chrono::milliseconds(100));
        ticker_.async_wait([this](const boost::system::error_code& ec) {
            if (ec || done_) return;
            spy_.tick(unix_us());
            spy_.flush();
            tick();
        });
    }

    void stop(int rc) {
        if (done_) return;
        done_ = true;
        rc_ = rc;
        ticker_.cancel();
        deadline_.cancel();
        boost::system::error_code ignored;
        signals_.cancel(ignored);
        if (client_) client_->disconnect();
    }

    boost::asio::io_context& io_;
    const SpyArgs& args_;
    Spy& spy_;
    std::vector<std::string> filters_;
    boost::asio::steady_timer ticker_;
    boost::asio::steady_timer deadline_;
    boost::asio::signal_set signals_;
    std::shared_ptr<client::Client> client_;
    bool done_ = false;
    bool flush_posted_ = false;
    int rc_ = kExitOk;
};

}  // namespace

int run_spy(const SpyArgs& args) {
    std::optional<tap::Project> loaded;
    std::optional<std::string> netkey;
    try {
        if (args.project_file) {
            std::ifstream in(*args.project_file, std::ios::binary);
            if (!in) throw ctl::CtlError(kExitUsage, "cannot read the project file " + *args.project_file);
            std::stringstream ss;
            ss << in.rdbuf();
            try {
                loaded = tap::Project::parse(ss.str(), *args.project_file);
            } catch (const tap::ProjectError& e) {
                throw ctl::CtlError(kExitUsage, e.what());
            }
        }
        CtlArgs key_args;
        key_args.netkey = args.netkey;
        key_args.netkey_file = args.netkey_file;
        netkey = ctl::read_netkey(key_args);
    } catch (const ctl::CtlError& e) {
        std::fprintf(stderr, "tapmq spy: %s\n", e.what());
        return kExitUsage;
    }
    const tap::Project& project = loaded ? *loaded : tap::sensor_demo_project();
    Spy spy(args, project, netkey);
    if (!spy.open_record()) return kExitUsage;
    if (args.replay) return replay(args, spy);

    ResolvedConnection conn;
    client::StreamFactory make;
    try {
        conn = resolve_connection(args.conn, "tapmq-spy-");
        make = make_stream(conn);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "tapmq spy: %s\n", e.what());
        return kExitUsage;
    } catch (const client::TlsConfigError& e) {
        std::fprintf(stderr, "tapmq spy: %s\n", e.what());
        return kExitUsage;
    }
    std::vector<std::string> filters = args.filters;
    if (!conn.url_topic.empty()) filters.push_back(conn.url_topic);
    if (filters.empty()) filters.push_back(tap::fleet_root_filter(args.prefix));
    for (const auto& f : filters) {
        if (!mqtt::is_valid_topic_filter(f)) {
            std::fprintf(stderr, "tapmq spy: invalid topic filter '%s'\n", f.c_str());
            return kExitUsage;
        }
    }
    if (conn.make_auth) conn.options.auth = conn.make_auth();
    boost::asio::io_context io;
    Live live(io, args, spy, std::move(filters));
    return live.run(conn, make);
}

}  // namespace tapmq::cli
