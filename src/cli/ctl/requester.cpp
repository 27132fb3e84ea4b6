// Correlated, optionally sealed requests to one Tap (requester.hpp).
#include "requester.hpp"

#include <openssl/rand.h>

#include <fstream>
#include <sstream>

#include "ctl.hpp"
#include "outcome.hpp"
#include "tap/hex.hpp"
#include "tap/password_hash.hpp"

namespace tapmq::cli::ctl {

namespace {

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string random_id() {
    unsigned char b[6];
    if (RAND_bytes(b, sizeof b) != 1) throw CtlError(kCtlTapError, "no random bytes from OpenSSL");
    return "ctl-" + tap::to_hex(std::string_view(reinterpret_cast<const char*>(b), sizeof b));
}

std::string be64(std::uint64_t v) {
    std::string s(8, '\0');
    for (int i = 7; i >= 0; --i, v >>= 8)
        s[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xFF);
    return s;
}

tap::TapTopics make_topics(const CtlArgs& a) {
    if (a.serial.empty()) throw CtlError(kCtlBadInput, "--serial is required: the serial number of the Tap");
    try {
        return tap::TapTopics(a.prefix, a.serial);
    } catch (const std::invalid_argument& e) {
        throw CtlError(kCtlBadInput, e.what());
    }
}

}  // namespace

std::optional<std::string> read_netkey(const CtlArgs& a) {
    if (a.netkey) {
        if (a.netkey->empty()) throw CtlError(kCtlBadInput, "--netkey is empty");
        return *a.netkey;
    }
    if (!a.netkey_file) return std::nullopt;
    std::ifstream in(*a.netkey_file);
    if (!in) throw CtlError(kCtlBadInput, "cannot read the netkey file " + *a.netkey_file);
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
        line.pop_back();
    if (line.empty()) throw CtlError(kCtlBadInput, "the netkey file " + *a.netkey_file + " is empty");
    return line;
}

Requester::Requester(const CtlArgs& args, Session& session)
    : args_(args),
      session_(session),
      serial_(args.serial),
      topics_(make_topics(args)),
      reply_id_(random_id()) {
    reply_topic_ = topics_.resp(reply_id_);
    if (auto key = read_netkey(args)) {
        sealer_ = std::make_unique<tap::Sealer>(tap::derive_key(*key, serial_, tap::Direction::ToTap),
                                                tap::Direction::ToTap);
        opener_ = std::make_unique<tap::Opener>(tap::derive_key(*key, serial_, tap::Direction::FromTap),
                                                tap::Direction::FromTap);
    }
}

void Requester::start() {
    session_.on_message([this](const mqtt::Publish& p) { on_message(p); });
    session_.subscribe({reply_topic_, topics_.status()});
}

void Requester::on_message(const mqtt::Publish& p) {
    if (p.topic == topics_.status()) {
        ++status_count_;
        if (p.payload.empty()) {
            status_.reset();  // the retained status was cleared
        } else if (auto s = parse_status(p.payload)) {
            status_ = std::move(*s);
        }
        return;
    }
    if (p.topic != reply_topic_ || answer_) return;
    if (session_.version() == mqtt::ProtocolVersion::V5) {
        // Answers to earlier requests that timed out carry other correlation data: not this one's.
        if (p.properties.correlation_data && *p.properties.correlation_data != expected_correlation_) return;
    }
    answer_ = std::string(p.payload);
}

bool Requester::await_restart(std::uint64_t count_before, std::chrono::milliseconds settle,
                              std::chrono::seconds back) {
    session_.run_until([&] { return status_count_ != count_before; }, Session::Clock::now() + settle);
    if (status_count_ == count_before) return true;  // no restart
    return session_.run_until([&] { return status_ && status_->online(); }, Session::Clock::now() + back);
}

tap::TapResponse Requester::call(const tap::TapRequest& request) {
    const bool v5 = session_.version() == mqtt::ProtocolVersion::V5;
    const std::string topic = v5 ? topics_.cmd() : topics_.cmd(reply_id_);
    std::string payload = tap::encode_apdu_request(request);
    if (sealer_) payload = sealer_->seal(topic, payload, unix_now());
    answer_.reset();
    mqtt::Properties props;
    if (v5) {
        expected_correlation_ = be64(next_correlation_++);
        props.response_topic = reply_topic_;
        props.correlation_data = expected_correlation_;
    }
    session_.publish(topic, payload, v5 ? &props : nullptr);
    const auto timeout =
        std::chrono::duration_cast<Session::Clock::duration>(std::chrono::duration<double>(args_.timeout));
    if (!session_.run_until([this] { return answer_.has_value(); }, Session::Clock::now() + timeout)) {
        if (session_.interrupted()) throw CtlError(kCtlNetwork, "interrupted");
        throw CtlError(kCtlTimeout, no_answer(serial_, args_.timeout, status_, topics_.status(),
                                              std::chrono::system_clock::now()));
    }
    std::string apdu = std::move(*answer_);
    answer_.reset();
    static const std::string kCannotOpen("\x81\x90\x00", 3);
    if (sealer_) {
        if (apdu == kCannotOpen) {
            throw CtlError(kCtlRefused,
                           "the Tap " + serial_ +
                               " could not open the request: wrong netkey? (or the clocks of this "
                               "machine and the Tap differ by more than 300 s)");
        }
        const tap::Opened o = opener_->open(apdu, reply_topic_, unix_now());
        if (!o.ok()) {
            throw CtlError(kCtlRefused, "the answer from " + serial_ + " does not open with the netkey (" +
                                            std::string(tap::name(o.status)) + "): wrong netkey?");
        }
        apdu = o.plaintext;
    }
    try {
        return tap::decode_apdu_response(apdu);
    } catch (const std::exception&) {
        tap::SealHeader h;
        if (!sealer_ && tap::parse_seal_header(apdu, h) && h.version == tap::kSealVersion &&
            h.direction == static_cast<std::uint8_t>(tap::Direction::FromTap)) {
            throw CtlError(kCtlRefused,
                           "the Tap " + serial_ +
                               " answered with a sealed frame: it has a netkey; give --netkey or "
                               "--netkey-file");
        }
        throw CtlError(kCtlTapError,
                       "the answer from " + serial_ + " is not a Tap response: " + tap::to_hex(apdu));
    }
}

tap::TapResponse Requester::expect(const tap::TapRequest& request, const std::string& what) {
    tap::TapResponse r = call(request);
    check(r, what);
    return r;
}

void Requester::check(const tap::TapResponse& r, const std::string& what) const {
    if (!sealer_ && r.code == tap::ResultCode::Unauthorized && r.data.empty()) {
        // What a Tap with a netkey answers, unsealed, to an unsealed request.
        throw CtlError(kCtlRefused,
                       "refused: 0x81 Unauthorized with no reason: the Tap " + serial_ +
                           " probably has a netkey and serves only sealed requests; give --netkey "
                           "or --netkey-file");
    }
    expect_success(r, what);
}

void Requester::login(const std::string& user, const std::string& password) {
    tap::TapRequest req{tap::Method::Post, tap::kLoginPath, {}};
    try {
        req.payload = tap::encode_login({user, tap::password_hash(password)});
    } catch (const std::exception& e) {
        throw CtlError(kCtlBadInput, std::string("--user: ") + e.what());
    }
    const tap::TapResponse r = call(req);
    if (r.code == tap::ResultCode::Unauthorized && !sealer_ && r.data.empty()) check(r, "login");
    if (!tap::is_success(r.code)) {
        throw CtlError(exit_code_for(r.code),
                       "login as " + user + " " + error_text(r, "wrong user or password"));
    }
}

}  // namespace tapmq::cli::ctl
