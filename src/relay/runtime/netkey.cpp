// A Tap's netkey (netkey.hpp).
#include "netkey.hpp"

#include <sys/stat.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace tapmq::relay::runtime {

Netkey::Netkey(std::string_view netkey, std::string_view serial)
    : opener_(tap::derive_key(netkey, serial, tap::Direction::ToTap), tap::Direction::ToTap),
      sealer_(tap::derive_key(netkey, serial, tap::Direction::FromTap), tap::Direction::FromTap) {}

tap::Opened Netkey::open(std::string_view frame, std::string_view topic, std::int64_t now_unix_s) {
    return opener_.open(frame, topic, now_unix_s);
}

std::string Netkey::seal(std::string_view topic, std::string_view plaintext, std::int64_t now_unix_s) {
    return sealer_.seal(topic, plaintext, now_unix_s);
}

bool Netkey::may_refuse(std::chrono::steady_clock::time_point now) {
    if (last_refusal_ && now - *last_refusal_ < std::chrono::seconds(1)) return false;
    last_refusal_ = now;
    return true;
}

std::string read_key_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw std::runtime_error("cannot read the netkey file " + path + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw std::runtime_error("the netkey file " + path + " is not a regular file");
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw std::runtime_error("the netkey file " + path + " has mode " + mode +
                                 ": group and others must not read it; run chmod 600 " + path);
    }
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read the netkey file " + path + ": " + std::strerror(errno));
    std::string key;
    std::getline(in, key);
    if (!key.empty() && key.back() == '\r') key.pop_back();
    if (key.empty())
        throw std::runtime_error("the netkey file " + path + " is empty: its first line is the netkey");
    return key;
}

}  // namespace tapmq::relay::runtime
