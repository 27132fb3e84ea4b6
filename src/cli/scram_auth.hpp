// SCRAM-SHA-256 for the client library's enhanced authentication (`--auth-method SCRAM-SHA-256`):
// the user name and password given with -u and -P never cross the wire, and the broker must prove
// that it knows the user's keys before the connection is trusted.
#pragma once

#include <memory>
#include <string>

#include "client/options.hpp"

namespace tapmq::cli {

std::shared_ptr<client::EnhancedAuth> make_scram_auth(std::string username, std::string password);

}  // namespace tapmq::cli
