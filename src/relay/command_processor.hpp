// The Tap's command processor: one TapRequest in, one TapResponse out, for the object model of
// tap-protocol.md §2 against a Target, the project (tap::Project) and the Tap's state directory.
// No network I/O, no threads, no clock reads (times are parameters), no logging: the MQTT runtime
// (`tapmq tap`) decodes frames, finds the requester, calls handle() and publishes the answer.
//
// Order of checks for every request (§3): the path exists (0x84 Not Found) → the method is allowed
// on it (0x85 Method Not Allowed; e.g. a PUT on a read-only variable, whatever the profile) → the
// requester's profile may do it (0x81 Unauthorized) → the payload and value (0x80 Bad Request) →
// the target (0xA5, 0xA6, 0xB0..0xBB as the target reports them). An error answer carries, as its
// data, one UTF-8 sentence saying what is wrong ("anonymous may not PUT Period (/1029/4/4)"), for
// logs and the command line; requesters that do not want it ignore the data of an error.
//
// Requesters and sessions: `requester` is the login session key the runtime derives (§5: the
// sealed frames' sender, else the reply channel, "" for the bare cmd topic). A login (POST
// /1024//0) gives that requester the profile until it logs out, until the profile's lifetime
// passes without a request from it (steady time; the next request is then anonymous), or until the
// session is evicted (at most Options::max_sessions logged-in requesters; the least recently used
// goes first). Anonymous requesters hold no session.
//
// Hooks are called synchronously from handle(), after the change they report is applied and saved
// and before handle() returns the answer; the runtime acts on them *after* sending that answer
// (reboot, reconnect with new settings, restart after a firmware install).
//
// The object table (paths, methods, rights, payloads, codes), the configuration upload layout and
// the decisions where the spec is silent are in docs/tap.md, "The command processor"; the upload's
// wire layout is also the comment block of config_upload.hpp.
//
// Not thread-safe: the runtime calls one processor from one thread (or strand) at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "relay/datalog_queue.hpp"
#include "relay/firmware_update.hpp"
#include "relay/state_dir.hpp"
#include "relay/target.hpp"
#include "tap/frame.hpp"
#include "tap/project.hpp"

namespace tapmq::relay {

// What /3//0..2 answer.
struct TapIdentity {
    std::string serial;                  // /3//2; also replaces {serial} in the relay settings
    std::string manufacturer = "tapmq";  // /3//0
    std::string model = "Tap-Sim";       // /3//1
};

// "Now" for one request: steady time for login lifetimes, system time for /3//13.
struct TimePoints {
    std::chrono::steady_clock::time_point steady;
    std::chrono::system_clock::time_point system;

    // Both clocks read now: for callers (the processor itself never reads a clock).
    static TimePoints now() { return {std::chrono::steady_clock::now(), std::chrono::system_clock::now()}; }
};

// What the runtime does when the processor changed something it depends on. Called from handle().
class RelayHooks {
  public:
    virtual ~RelayHooks() = default;
    // POST /3//4 (admin): reboot the Tap once the answer is sent.
    virtual void reboot() = 0;
    // A PUT on /1024//50..55 or 58 (admin) was applied and saved: reconnect with relay_settings().
    virtual void relay_settings_changed() = 0;
    // A configuration upload was applied and saved (POST /1024//11): `project` is the new running
    // project (the same object as CommandProcessor::project(), valid until the next change).
    virtual void project_changed(const tap::Project& project) = 0;
    // POST /5//2 verified the package and left FirmwareUpdate in state Updating: restart the relay
    // (reopening FirmwareUpdate, or calling finish_update(), makes `version` current).
    virtual void firmware_installed(std::string version) = 0;
};

// Hooks that do nothing: for tests and tools that do not care.
class NoRelayHooks : public RelayHooks {
  public:
    void reboot() override {}
    void relay_settings_changed() override {}
    void project_changed(const tap::Project&) override {}
    void firmware_installed(std::string) override {}
};

namespace detail {
struct ProcessorState;
}

class CommandProcessor {
  public:
    struct Options {
        std::size_t max_sessions = 256;              // logged-in requesters kept at once (LRU)
        std::uint32_t max_config_bytes = 1u << 20;   // largest project accepted by an upload
        std::uint32_t max_memory_read_bytes = 4096;  // largest /1027//33 read or write
        std::string project_file = "project.json";   // in the state dir: the uploaded project
        std::string relay_file = "relay.json";       // in the state dir: relay settings written by PUT
    };

    // `initial` is the project to run unless the state directory holds an uploaded one
    // (Options::project_file), which wins. An uploaded project that no longer parses is ignored:
    // `initial` runs and startup_warning() says why. The references must outlive the processor.
    // Throws StateError when the state directory cannot be read.
    CommandProcessor(TapIdentity identity, Target& target, StateDir& dir, FirmwareUpdate& firmware,
                     DatalogQueue& datalog, RelayHooks& hooks, const tap::Project& initial);
    CommandProcessor(TapIdentity identity, Target& target, StateDir& dir, FirmwareUpdate& firmware,
                     DatalogQueue& datalog, RelayHooks& hooks, const tap::Project& initial, Options options);
    ~CommandProcessor();
    CommandProcessor(const CommandProcessor&) = delete;
    CommandProcessor& operator=(const CommandProcessor&) = delete;

    // Answers one request. Never throws for anything a requester sends; a failure of the state
    // directory answers 0xA4 (NVM error) or 0xA7 (NVM full) and leaves the running state as it was.
    tap::TapResponse handle(std::string_view requester, const tap::TapRequest& request, TimePoints now);

    // The running project (changes only through a configuration upload).
    const tap::Project& project() const noexcept;
    // The relay settings in force: the project's `relay` section with the fields written by PUT
    // /1024//50..58 over it, {serial} already replaced by the serial number.
    tap::RelaySettings relay_settings() const;
    // /1024//10.
    std::uint32_t config_version() const noexcept;
    // The profile `requester` has at `now` (0 when anonymous or expired). Does not refresh the session.
    std::uint16_t profile_of(std::string_view requester, std::chrono::steady_clock::time_point now) const;
    // Logged-in requesters held (expired ones included until touched or evicted).
    std::size_t session_count() const noexcept;
    // Empty, or why the saved project or relay settings in the state directory were ignored at start.
    const std::string& startup_warning() const noexcept;

  private:
    std::unique_ptr<detail::ProcessorState> s_;
};

}  // namespace tapmq::relay
