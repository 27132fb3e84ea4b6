// Shared helpers of the src/auth unit tests: scratch directories, file I/O, running mosquitto_passwd.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "args_passwd.hpp"
#include "auth/passwd_tool.hpp"

namespace tapmq::auth::test {

// `tapmq passwd` run in-process: exit code and what it wrote.
struct Run {
    int rc = -1;
    std::string out;
    std::string err;
};

inline Run passwd(const std::vector<std::string>& args, const std::string& input = "") {
    std::istringstream in(input);
    std::ostringstream out;
    std::ostringstream err;
    Run r;
    // Through the command line parser of the real tool, as `tapmq passwd ARGS...`.
    CLI::App app{"tapmq"};
    app.require_subcommand(1);
    PasswdArgs parsed;
    cli::add_passwd_command(app, parsed);
    std::vector<const char*> argv{"tapmq", "passwd"};
    for (const auto& a : args)
        argv.push_back(a.c_str());
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
        r.rc = run_passwd(parsed, in, out, err);
    } catch (const CLI::ParseError& e) {
        err << e.what() << "\n";
        r.rc = 2;
    }
    r.out = out.str();
    r.err = err.str();
    return r;
}

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class ScratchDir {
  public:
    ScratchDir() {
        std::random_device rd;
        for (int i = 0; i < 100; ++i) {
            path_ = std::filesystem::temp_directory_path() /
                    ("tapmq-auth-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
            if (std::filesystem::create_directory(path_)) return;
        }
        throw std::runtime_error("cannot create a scratch directory");
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& p, std::string_view text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    ASSERT_TRUE(out.good()) << p;
}

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline unsigned file_mode(const std::filesystem::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return 0;
    return st.st_mode & 07777;
}

inline std::string fixture(std::string_view name) {
    return std::string(TAPMQ_AUTH_FIXTURES) + "/" + std::string(name);
}

// The real mosquitto_passwd, when installed (TAPMQ_MOSQUITTO_PASSWD overrides the path).
inline std::string mosquitto_passwd_path() {
    if (const char* env = std::getenv("TAPMQ_MOSQUITTO_PASSWD"); env != nullptr && *env != '\0') return env;
    return "/usr/bin/mosquitto_passwd";
}
inline bool have_mosquitto_passwd() {
    return ::access(mosquitto_passwd_path().c_str(), X_OK) == 0;
}

// Single-quotes a word for /bin/sh.
inline std::string sh_quote(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out.push_back(c);
        }
    }
    out += "'";
    return out;
}

// Runs mosquitto_passwd with the given (already quoted) arguments; returns its exit status.
inline int run_mosquitto_passwd(const std::string& quoted_args) {
    const std::string cmd = sh_quote(mosquitto_passwd_path()) + " " + quoted_args + " >/dev/null 2>&1";
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace tapmq::auth::test
