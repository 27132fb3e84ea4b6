// One Tap at run time (tap_relay.hpp).
#include "tap_relay.hpp"

#include <spdlog/spdlog.h>

#include "app_hook.hpp"
#include "dispatcher.hpp"
#include "intake.hpp"
#include "link.hpp"
#include "monitor.hpp"
#include "netkey.hpp"
#include "outbox.hpp"
#include "relay/command_processor.hpp"
#include "relay/datalog_queue.hpp"
#include "relay/firmware_update.hpp"
#include "status.hpp"
#include "tap/protocol_error.hpp"
#include "tap/topics.hpp"

namespace tapmq::relay::runtime {
namespace {

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

const std::string kRefusal("\x81\x90\x00", 3);  // plain APDU response 0x81 Unauthorized

}  // namespace

// The processor's hooks: noted during handle(), acted on once the answer is on its way.
class TapRelay::Hooks : public RelayHooks {
  public:
    explicit Hooks(TapRelay& tap) : tap_(tap) {}
    void reboot() override { tap_.pending_restart_ = "reboot requested"; }
    void relay_settings_changed() override { tap_.pending_restart_ = "relay settings changed"; }
    void project_changed(const tap::Project& p) override {
        tap_.pending_restart_ = "new project " + p.application().name + " version " +
                                std::to_string(p.application().config_version);
    }
    void firmware_installed(std::string version) override {
        tap_.pending_restart_ = "firmware " + version + " installed";
    }

  private:
    TapRelay& tap_;
};

// Everything that lives from one (re)start to the next.
struct TapRelay::Instance {
    Instance(TapRelay& tap)
        : tap(tap),
          io(tap.io_),
          fw(tap.dir_),
          queue(tap.dir_, queue_options(tap.config_)),
          hooks(tap),
          proc(TapIdentity{tap.config_.serial}, tap.target_, tap.dir_, fw, queue, hooks, tap.config_.project),
          relay(proc.relay_settings()),
          topics(tap::expand_serial(relay.topic_prefix, tap.config_.serial), tap.config_.serial),
          dispatcher(tap.io_),
          monitor(proc.project(), tap.config_.serial, std::chrono::steady_clock::now()),
          monitor_timer(tap.io_) {
        const auto& serial = tap.config_.serial;
        const std::string key = tap.config_.netkey ? *tap.config_.netkey : relay.netkey;
        if (!key.empty()) netkey.emplace(key, serial);
        if (tap.config_.app_hook) app.emplace(tap.io_, AppHookOptions{*tap.config_.app_hook});
        identity =
            TapIdentityInfo{serial, fw.version(), proc.project().application().name, proc.config_version()};
        if (!proc.startup_warning().empty()) spdlog::warn("{}: {}", serial, proc.startup_warning());
    }

    static DatalogQueue::Options queue_options(const TapConfig& c) {
        DatalogQueue::Options o;
        o.sync = c.sync_datalog;
        return o;
    }

    LinkOptions link_options() const {
        const auto& c = tap.config_;
        LinkOptions o;
        o.connect = c.connect;
        if (!c.host_given) o.connect.host = relay.host;
        if (!c.port_given) o.connect.port = relay.port;
        if (!c.client_id_given) o.connect.client_id = tap::expand_serial(relay.client_id, c.serial);
        if (!c.username_given) o.connect.username = tap::expand_serial(relay.username, c.serial);
        if (!c.password_given) {
            const auto pw = tap::expand_serial(relay.password, c.serial);
            if (!pw.empty()) o.connect.password = pw;
        }
        // Commands sent while the Tap reconnects wait in its session on the broker (as long as a
        // sealed request stays fresh).
        o.connect.clean_start = false;
        if (mqtt::is_v5(o.connect.version) && !o.connect.properties.session_expiry_interval)
            o.connect.properties.session_expiry_interval = 300;
        client::WillOptions will;
        will.topic = topics.status();
        will.payload = offline_status(identity, "connection lost");
        will.qos = mqtt::QoS::AtLeastOnce;
        will.retain = true;
        o.connect.will = std::move(will);
        o.make_stream = c.make_stream;
        o.make_auth = c.make_auth;
        o.backoff = c.backoff;
        o.subscriptions = {topics.cmd(), topics.cmd() + "/+", topics.app_in()};
        o.name = c.serial;
        return o;
    }

    void start() {
        link = Link::create(io, link_options());
        outbox.emplace(
            link, queue, topics.data(), topics.event(),
            [this](const std::string& topic, const std::string& payload) { return wrap(topic, payload); },
            [this](const std::string& what) { spdlog::error("{}: {}", serial(), what); });
        link->on_up([this] { on_up(); });
        link->on_down(
            [this](const client::Error&, const std::string& why, std::chrono::milliseconds retry_in) {
                spdlog::warn("{}: {}; retrying in {:.1f} s", serial(), why,
                             static_cast<double>(retry_in.count()) / 1000.0);
            });
        link->on_message([this](const mqtt::Publish& p) { on_message(p); });
        link->start();
        arm_monitor();
    }

    const std::string& serial() const { return tap.config_.serial; }

    std::string wrap(const std::string& topic, const std::string& payload) {
        return netkey ? netkey->seal(topic, payload, unix_now()) : payload;
    }

    void on_up() {
        ++tap.counters_.connections;
        spdlog::info("{}: connected to {}:{} as {}; requests on {}/cmd", serial(), link_host(), link_port(),
                     serial(), topics.prefix());
        link->publish(topics.status(), online_status(identity, std::chrono::system_clock::now()),
                      mqtt::QoS::AtLeastOnce, true);
        outbox->connected();
    }
    std::string link_host() const { return link_options().connect.host; }
    std::uint16_t link_port() const { return link_options().connect.port; }

    void arm_monitor() {
        const auto next = monitor.next_due();
        if (!next) return;
        monitor_timer.expires_at(*next);
        monitor_timer.async_wait([this, alive = alive](const boost::system::error_code& ec) {
            if (ec || !*alive) return;
            auto out =
                monitor.run(tap.target_, std::chrono::steady_clock::now(), std::chrono::system_clock::now());
            for (const auto& e : out.errors)
                spdlog::debug("{}: {}", serial(), e);
            for (const auto& r : out.records)
                outbox->push_record(r);
            for (auto& e : out.events) {
                spdlog::info("{}: alarm {}", serial(), e);
                outbox->push_event(std::move(e));
            }
            arm_monitor();
        });
    }

    void publish_reply(const Intake& in, const std::string& payload) {
        mqtt::Properties props;
        const mqtt::Properties* pp = nullptr;
        if (in.correlation_data && mqtt::is_v5(link->version())) {
            props.correlation_data = *in.correlation_data;
            pp = &props;
        }
        if (!link->publish(in.reply_topic, payload, mqtt::QoS::AtLeastOnce, false, {}, pp))
            spdlog::debug("{}: answer on {} not sent: not connected", serial(), in.reply_topic);
    }

    void on_message(const mqtt::Publish& p) {
        if (p.topic == topics.app_in()) {
            on_app(p);
            return;
        }
        auto in = take_in(topics, p);
        if (!in) {
            spdlog::debug("{}: ignored a message on {} (no reply topic)", serial(), p.topic);
            return;
        }
        std::string apdu;
        std::optional<std::uint32_t> sender;
        if (netkey) {
            auto opened = netkey->open(p.payload, p.topic, unix_now());
            if (!opened.ok()) {
                refuse(*in, tap::name(opened.status));
                return;
            }
            apdu = std::move(opened.plaintext);
            sender = opened.header.sender;
        } else {
            apdu = std::string(p.payload);
        }
        ++tap.counters_.requests;
        const bool sealed = sender.has_value();
        auto requester = requester_key(*in, sender);
        const auto channel = in->channel;
        dispatcher.enqueue(
            channel, [this, alive = alive, in = std::move(*in), requester = std::move(requester),
                      apdu = std::move(apdu), sealed](Dispatcher::Done done) {
                if (!*alive) return;
                tap::TapResponse resp;
                try {
                    const auto req = tap::decode_apdu_request(apdu);
                    resp = proc.handle(requester, req, TimePoints::now());
                    spdlog::debug("{}: {} from '{}': 0x{:02X}", serial(), tap::describe(req), requester,
                                  static_cast<unsigned>(resp.code));
                } catch (const tap::ProtocolError& e) {
                    resp = tap::TapResponse{e.code(), {}};
                    spdlog::info("{}: malformed request from '{}': {}", serial(), in.channel, e.what());
                }
                const auto answer = tap::encode_apdu_response(resp);
                publish_reply(in, sealed ? wrap(in.reply_topic, answer) : answer);
                done();
                tap.after_answer();
            });
    }

    void refuse(const Intake& in, std::string_view why) {
        ++tap.counters_.refused;
        netkey->count_refused();
        if (netkey->may_refuse(std::chrono::steady_clock::now())) {
            spdlog::warn(
                "{}: refused a request on {} ({}): wrong netkey, or not sealed; answered 81 90 00 on {}",
                serial(), in.channel, why, in.reply_topic);
            publish_reply(in, kRefusal);
        } else {
            spdlog::debug("{}: refused a request on {} ({}); not answered (one refusal a second)", serial(),
                          in.channel, why);
        }
    }

    void on_app(const mqtt::Publish& p) {
        auto drop = [&](std::string_view why) {
            ++tap.counters_.app_dropped;
            spdlog::warn("{}: dropped a packet on {}: {} ({} dropped so far)", serial(), p.topic, why,
                         tap.counters_.app_dropped);
        };
        if (!netkey) return drop("app packets must be sealed and this Tap has no netkey");
        if (!app) return drop("no --app-hook is configured");
        auto opened = netkey->open(p.payload, p.topic, unix_now());
        if (!opened.ok()) return drop(tap::name(opened.status));
        const bool started =
            app->run(std::move(opened.plaintext),
                     [this, alive = alive](bool ok, std::string answer, std::string error) {
                         if (!*alive) return;
                         if (!ok) {
                             spdlog::warn("{}: the app hook failed: {}", serial(), error);
                             return;
                         }
                         if (answer.empty()) return;
                         const auto topic = topics.app_out();
                         link->publish(topic, wrap(topic, answer), mqtt::QoS::AtLeastOnce, false);
                     });
        if (!started) drop("too many app hooks running");
    }

    TapRelay& tap;
    boost::asio::io_context& io;
    FirmwareUpdate fw;
    DatalogQueue queue;
    Hooks hooks;
    CommandProcessor proc;
    tap::RelaySettings relay;
    tap::TapTopics topics;
    TapIdentityInfo identity;
    std::optional<Netkey> netkey;
    Dispatcher dispatcher;
    Monitor monitor;
    boost::asio::steady_timer monitor_timer;
    std::optional<AppHook> app;
    std::shared_ptr<Link> link;
    std::optional<Outbox> outbox;
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);

    ~Instance() { *alive = false; }
};

std::shared_ptr<TapRelay> TapRelay::create(boost::asio::io_context& io, TapConfig config) {
    return std::shared_ptr<TapRelay>(new TapRelay(io, std::move(config)));
}

static SimulatedTarget::Options target_options(std::uint64_t seed) {
    SimulatedTarget::Options o;
    o.seed = seed;
    o.start = std::chrono::steady_clock::now();
    o.clock = [] { return std::chrono::steady_clock::now(); };
    return o;
}

TapRelay::TapRelay(boost::asio::io_context& io, TapConfig config)
    : io_(io), config_(std::move(config)), dir_(config_.state_dir), target_(target_options(config_.seed)) {
    lock_.emplace(dir_.lock());
    target_.connect();
}

TapRelay::~TapRelay() = default;

void TapRelay::start() {
    cur_ = std::make_unique<Instance>(*this);
    cur_->start();
}

bool TapRelay::connected() const {
    return cur_ && cur_->link && cur_->link->connected();
}

void TapRelay::after_answer() {
    if (!pending_restart_ || restarting_ || stopping_) return;
    auto reason = std::move(*pending_restart_);
    pending_restart_.reset();
    restart(std::move(reason));
}

void TapRelay::restart(std::string reason) {
    restarting_ = true;
    ++counters_.restarts;
    spdlog::info("{}: restarting the relay: {}", config_.serial, reason);
    auto self = shared_from_this();
    auto now = std::chrono::system_clock::now();
    cur_->link->stop(cur_->topics.status(), offline_status(cur_->identity, "restarting: " + reason, &now),
                     std::chrono::seconds(2), [self] {
                         // Not from inside the link's own handler: the instance owns it.
                         boost::asio::post(self->io_, [self] {
                             self->cur_.reset();
                             self->restarting_ = false;
                             if (self->stopping_) return;
                             try {
                                 self->start();
                             } catch (const std::exception& e) {
                                 spdlog::error("{}: cannot restart: {}", self->config_.serial, e.what());
                             }
                         });
                     });
}

void TapRelay::stop(std::function<void()> done) {
    stopping_ = true;
    if (!cur_ || restarting_) {
        cur_.reset();
        boost::asio::post(io_, std::move(done));
        return;
    }
    auto self = shared_from_this();
    auto now = std::chrono::system_clock::now();
    cur_->link->stop(cur_->topics.status(), offline_status(cur_->identity, "stopped", &now),
                     std::chrono::seconds(3), [self, done = std::move(done)] {
                         boost::asio::post(self->io_, [self, done] {
                             self->cur_.reset();
                             if (done) done();
                         });
                     });
}

}  // namespace tapmq::relay::runtime
