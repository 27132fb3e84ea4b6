// StateError's messages.
#include "state_error.hpp"

#include <cerrno>
#include <cstring>

namespace tapmq::relay {

StateError::StateError(const std::filesystem::path& path, std::string_view op, int err)
    : std::runtime_error("tapmq state " + path.string() + ": " + std::string(op) + ": " + std::strerror(err)),
      path_(path),
      err_(err) {}

StateError::StateError(const std::filesystem::path& path, std::string_view problem)
    : std::runtime_error("tapmq state " + path.string() + ": " + std::string(problem)), path_(path) {}

bool StateError::no_space() const noexcept {
    return err_ == ENOSPC || err_ == EDQUOT;
}

}  // namespace tapmq::relay
