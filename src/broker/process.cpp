#include "process.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace tapmq::broker {

void write_pid_file(const std::string& path) {
    std::ofstream out(path, std::ios::trunc);
    if (!out) throw std::runtime_error("pid_file " + path + ": " + std::strerror(errno));
    out << ::getpid() << '\n';
    out.flush();
    if (!out) throw std::runtime_error("pid_file " + path + ": write failed");
}

void remove_pid_file(const std::string& path) noexcept {
    if (!path.empty()) ::unlink(path.c_str());
}

bool drop_privileges(const std::string& user) {
    if (::geteuid() != 0) return false;
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    const int rc = ::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
    if (rc != 0 || found == nullptr) {
        throw std::runtime_error("user " + user + ": no such user" +
                                 (rc != 0 ? std::string(" (") + std::strerror(rc) + ")" : std::string()));
    }
    if (::initgroups(pw.pw_name, pw.pw_gid) != 0 || ::setgid(pw.pw_gid) != 0 || ::setuid(pw.pw_uid) != 0) {
        throw std::runtime_error("cannot switch to user " + user + ": " + std::strerror(errno));
    }
    return true;
}

}  // namespace tapmq::broker
