// Requests to one Tap and their answers, correlated (tap-protocol.md §5): with MQTT 5 a request
// goes to <prefix>/cmd with a Response Topic <prefix>/resp/<id> and Correlation Data (a counter);
// with MQTT 3.1.1 it goes to <prefix>/cmd/<id> and is answered on <prefix>/resp/<id>. <id> is
// "ctl-" and random hex, one per run, so the Tap keeps this run's login apart from other requesters'.
// Requests and answers are sealed with the netkey when one is given. The Tap's retained status is
// followed all along, so that a request with no answer gets a diagnosis (diagnosis.hpp), and
// netkey trouble is told apart from silence: a plain `81 90 00` to a sealed request means the Tap
// could not open it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "diagnosis.hpp"
#include "session.hpp"
#include "tap/frame.hpp"
#include "tap/project.hpp"
#include "tap/seal.hpp"
#include "tap/topics.hpp"

namespace tapmq::cli {
struct CtlArgs;
}

namespace tapmq::cli::ctl {

class Requester {
  public:
    // Reads the netkey file now; throws CtlError(kCtlBadInput) for a bad serial or key file.
    Requester(const CtlArgs& args, Session& session);

    // Subscribes to the reply topic and the status topic. Throws CtlError.
    void start();
    // Sends one request and waits --timeout for its answer, whatever its code. Throws CtlError:
    // no answer (kCtlTimeout, with the diagnosis), wrong or missing netkey (kCtlRefused), lost
    // connection (kCtlNetwork), interrupted (kCtlNetwork).
    tap::TapResponse call(const tap::TapRequest& request);
    // call(), then expect_success(): an error answer throws CtlError with its code's exit status.
    tap::TapResponse expect(const tap::TapRequest& request, const std::string& what);
    // What expect() does with an answer: throws CtlError unless it is a success.
    void check(const tap::TapResponse& response, const std::string& what) const;
    // POST /1024//0 as `user`; throws CtlError(kCtlRefused) naming the user when the Tap refuses.
    void login(const std::string& user, const std::string& password);

    const std::optional<TapStatus>& status() const noexcept { return status_; }
    // Status messages seen so far (a change to wait for).
    std::uint64_t status_count() const noexcept { return status_count_; }
    // After a request that makes the Tap restart (a new project, a firmware): waits up to
    // `settle` for a status message; if one came and the Tap is not online, waits up to `back`
    // for it to be online again. False when it went offline and did not come back.
    bool await_restart(std::uint64_t count_before, std::chrono::milliseconds settle,
                       std::chrono::seconds back);
    const tap::TapTopics& topics() const noexcept { return topics_; }
    const std::string& serial() const noexcept { return serial_; }
    bool sealed() const noexcept { return sealer_ != nullptr; }

  private:
    void on_message(const mqtt::Publish& p);

    const CtlArgs& args_;
    Session& session_;
    std::string serial_;
    tap::TapTopics topics_;
    std::string reply_id_;
    std::string reply_topic_;
    std::unique_ptr<tap::Sealer> sealer_;
    std::unique_ptr<tap::Opener> opener_;
    std::optional<TapStatus> status_;
    std::uint64_t status_count_ = 0;
    std::uint64_t next_correlation_ = 1;
    std::string expected_correlation_;
    std::optional<std::string> answer_;  // the raw payload of the awaited answer
};

// The netkey of --netkey or --netkey-file (one line; trailing newline and spaces ignored); nullopt
// when neither is given. Throws CtlError(kCtlBadInput) for an unreadable or empty file.
std::optional<std::string> read_netkey(const CtlArgs& args);

}  // namespace tapmq::cli::ctl
