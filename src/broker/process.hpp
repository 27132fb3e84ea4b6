// What tapmqd does to its own process, as Mosquitto does: the pid file (pid_file) and dropping root
// privileges once the listeners are bound (user).
#pragma once

#include <string>

namespace tapmq::broker {

// Writes the process id and a newline; throws std::runtime_error naming the file and the cause.
void write_pid_file(const std::string& path);
// Removes it (at exit); failures are ignored (a dropped privilege may forbid it, as in Mosquitto).
void remove_pid_file(const std::string& path) noexcept;

// When running as root: switches to `user`'s uid, primary gid and supplementary groups, and returns
// true. Not root: nothing happens and it returns false (Mosquitto: "no effect"). Throws
// std::runtime_error when the user does not exist or a switch fails.
bool drop_privileges(const std::string& user);

}  // namespace tapmq::broker
