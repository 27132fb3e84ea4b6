// CommandProcessor: a placeholder until the object model lands: every request answers 0xA1 Not
// Implemented, so that the runtime can build against the interface.
#include "command_processor.hpp"

namespace tapmq::relay {

namespace detail {
struct ProcessorState {
    TapIdentity identity;
    tap::Project project;
    tap::RelaySettings relay;
    std::string warning;
};
}  // namespace detail

CommandProcessor::CommandProcessor(TapIdentity identity, Target& target, StateDir& dir,
                                   FirmwareUpdate& firmware, DatalogQueue& datalog, RelayHooks& hooks,
                                   const tap::Project& initial)
    : CommandProcessor(std::move(identity), target, dir, firmware, datalog, hooks, initial, Options{}) {}

CommandProcessor::CommandProcessor(TapIdentity identity, Target&, StateDir&, FirmwareUpdate&, DatalogQueue&,
                                   RelayHooks&, const tap::Project& initial, Options)
    : s_(std::make_unique<detail::ProcessorState>(
          detail::ProcessorState{std::move(identity), initial, initial.relay(), {}})) {}

CommandProcessor::~CommandProcessor() = default;

tap::TapResponse CommandProcessor::handle(std::string_view, const tap::TapRequest&, TimePoints) {
    return {tap::ResultCode::NotImplemented, {}};
}

const tap::Project& CommandProcessor::project() const noexcept {
    return s_->project;
}
tap::RelaySettings CommandProcessor::relay_settings() const {
    return s_->relay;
}
std::uint32_t CommandProcessor::config_version() const noexcept {
    return s_->project.application().config_version;
}
std::uint16_t CommandProcessor::profile_of(std::string_view, std::chrono::steady_clock::time_point) const {
    return tap::kAnonymousProfile;
}
std::size_t CommandProcessor::session_count() const noexcept {
    return 0;
}
const std::string& CommandProcessor::startup_warning() const noexcept {
    return s_->warning;
}

}  // namespace tapmq::relay
