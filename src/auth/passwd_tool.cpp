#include "auth/passwd_tool.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string_view>
#include <system_error>

#include "auth/password_file.hpp"
#include "auth/scram_file.hpp"

namespace tapmq::auth {
namespace {

constexpr std::size_t kMaxPassword = 65535;

// Switches terminal echo off while a password is typed on std::cin.
class EchoOff {
  public:
    explicit EchoOff(std::istream& in) {
        if (&in != &std::cin || ::isatty(STDIN_FILENO) == 0) return;
        if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
        active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
    ~EchoOff() {
        if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

  private:
    termios saved_{};
    bool active_ = false;
};

std::optional<std::string> read_line_quiet(std::istream& in, std::ostream& out, std::string_view prompt) {
    out << prompt << std::flush;
    std::string line;
    {
        EchoOff guard(in);
        if (!std::getline(in, line)) line.clear();
    }
    out << "\n" << std::flush;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return std::nullopt;
    return line;
}

// 0 and the password, or an exit status.
int prompt_password(std::istream& in, std::ostream& out, std::ostream& err, std::string& password) {
    auto first = read_line_quiet(in, out, "Password: ");
    if (!first) {
        err << "Error: Empty password.\n";
        return 1;
    }
    auto second = read_line_quiet(in, out, "Reenter password: ");
    if (!second) {
        err << "Error: Empty password.\n";
        return 1;
    }
    if (*first != *second) {
        err << "Error: Passwords do not match.\n";
        return 2;
    }
    if (first->size() > kMaxPassword) {
        err << "Error: Password must be less than 65536 characters long.\n";
        return 1;
    }
    password = std::move(*first);
    return 0;
}

}  // namespace

std::string passwd_usage() {
    return "tapmq passwd manages password files for tapmqd (the format of mosquitto_passwd).\n"
           "\n"
           "Usage: tapmq passwd [-H argon2id | -H sha512-pbkdf2 | -H sha512] [-I iterations] [-c | -D] "
           "passwordfile username\n"
           "       tapmq passwd [-H argon2id | -H sha512-pbkdf2 | -H sha512] [-I iterations] [-c] -b "
           "passwordfile username password\n"
           "       tapmq passwd -U passwordfile\n"
           "       tapmq passwd --scram [-I iterations] [-c | -D | -U] [-b] scramfile username [password]\n"
           " -b : run in batch mode to allow passing passwords on the command line.\n"
           " -c : create a new password file. This will overwrite existing files.\n"
           " -D : delete the username rather than adding/updating its password.\n"
           " -H : specify the hashing algorithm. Defaults to sha512-pbkdf2 (read by Mosquitto 2.0 and 2.1).\n"
           "      argon2id is read by Mosquitto 2.1 only; sha512 is Mosquitto 1.6's default.\n"
           " -I : number of PBKDF2 iterations (default 101).\n"
           " -U : update a plain text password file to use hashed passwords.\n"
           " --scram : edit a SCRAM-SHA-256 file for tapmqd's auth_scram_file (MQTT 5 enhanced\n"
           "      authentication) instead of a password file; -I defaults to 4096 there.\n";
}

int run_passwd(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
    using Algorithm = PasswordFile::Algorithm;
    if (args.empty()) {
        out << passwd_usage();
        return 1;
    }

    Algorithm algorithm = Algorithm::Sha512Pbkdf2;
    bool algorithm_given = false;
    int iterations = PasswordFile::kDefaultIterations;
    bool iterations_given = false;
    bool scram = false;
    bool batch = false;
    bool create = false;
    bool del = false;
    bool update = false;
    std::size_t idx = 0;
    for (; idx < args.size(); ++idx) {
        const std::string& a = args[idx];
        if (a == "-H") {
            if (idx + 1 == args.size()) {
                err << "Error: -H argument given but not enough other arguments.\n";
                return 1;
            }
            const std::string& h = args[++idx];
            algorithm_given = true;
            if (h == "sha512") {
                algorithm = Algorithm::Sha512;
            } else if (h == "sha512-pbkdf2") {
                algorithm = Algorithm::Sha512Pbkdf2;
            } else if (h == "argon2id") {
                if (!PasswordFile::argon2_supported()) {
                    err << "Error: argon2id is not supported by this build.\n";
                    return 1;
                }
                algorithm = Algorithm::Argon2id;
            } else {
                err << "Error: Unknown hash type '" << h << "'\n";
                return 1;
            }
        } else if (a == "-I") {
            if (idx + 1 == args.size()) {
                err << "Error: -I argument given but not enough other arguments.\n";
                return 1;
            }
            const std::string& v = args[++idx];
            char* end = nullptr;
            const long n = std::strtol(v.c_str(), &end, 10);
            if (end == v.c_str() || *end != '\0' || n < 1 || n > 1'000'000'000L) {
                err << "Error: Number of iterations must be > 0.\n";
                return 1;
            }
            iterations = static_cast<int>(n);
            iterations_given = true;
        } else if (a == "--scram") {
            scram = true;
        } else if (a == "-b") {
            batch = true;
        } else if (a == "-c") {
            create = true;
        } else if (a == "-D") {
            del = true;
        } else if (a == "-U") {
            update = true;
        } else {
            break;
        }
    }

    if (scram && algorithm_given) {
        err << "Error: -H cannot be used with --scram.\n";
        return 1;
    }
    if (scram && !iterations_given) iterations = static_cast<int>(ScramFile::kDefaultIterations);
    const auto make_hash = [&](std::string_view pw) {
        return scram ? ScramFile::hash_password(pw, static_cast<std::uint32_t>(iterations))
                     : PasswordFile::hash_password(pw, algorithm, iterations);
    };

    if (create && del) {
        err << "Error: -c and -D cannot be used together.\n";
        return 1;
    }
    if (create && update) {
        err << "Error: -c and -U cannot be used together.\n";
        return 1;
    }
    if (del && update) {
        err << "Error: -D and -U cannot be used together.\n";
        return 1;
    }
    if (del && batch) {
        err << "Error: -b and -D cannot be used together.\n";
        return 1;
    }

    const std::size_t rest = args.size() - idx;
    std::string file;
    std::string user;
    std::optional<std::string> password;
    if (create) {
        if (rest < (batch ? 3U : 2U)) {
            err << (batch ? "Error: -c argument given but password file, username, or password missing.\n"
                          : "Error: -c argument given but password file or username missing.\n");
            return 1;
        }
    } else if (del) {
        if (rest < 2) {
            err << "Error: -D argument given but password file or username missing.\n";
            return 1;
        }
    } else if (update) {
        if (rest != 1) {
            err << "Error: -U argument given but password file missing.\n";
            return 1;
        }
    } else if (!((batch && rest == 3) || (!batch && rest == 2))) {
        out << passwd_usage();
        return 1;
    }
    file = args[idx];
    if (!update) user = args[idx + 1];
    if (batch) password = args[idx + 2];

    if (!update) {
        std::string why;
        if (!valid_password_file_username(user, &why)) {
            err << "Error: " << why << "\n";
            return 1;
        }
    }
    if (password && password->size() > kMaxPassword) {
        err << "Error: Password must be less than 65536 characters long.\n";
        return 1;
    }

    try {
        if (create) {
            if (!password) {
                std::string typed;
                if (const int rc = prompt_password(in, out, err, typed); rc != 0) return rc;
                password = std::move(typed);
            }
            const std::string line = user + ":" + make_hash(*password) + "\n";
            if (file == "-") {
                out << line << std::flush;
            } else {
                write_text_file_atomically(file, line);
            }
            return 0;
        }

        if (file == "-") {
            err << "Error: \"-\" (standard output) can only be used with -c.\n";
            return 1;
        }
        if (!std::filesystem::exists(file)) {
            err << "Error: Unable to open password file " << file << ". No such file or directory.\n";
            return 1;
        }
        PasswordFileEditor editor = PasswordFileEditor::load(file);
        if (del) {
            if (!editor.remove(user)) {
                err << "Warning: User " << user << " not found in password file.\n";
                return 1;
            }
        } else if (update) {
            if (scram) {
                editor.hash_plaintext([](std::string_view e) { return ScramFile::decode(e).has_value(); },
                                      make_hash);
            } else {
                editor.hash_plaintext(algorithm, iterations);
            }
        } else {
            if (!password) {
                std::string typed;
                if (const int rc = prompt_password(in, out, err, typed); rc != 0) return rc;
                password = std::move(typed);
            }
            editor.set(user, make_hash(*password));
        }
        write_text_file_atomically(file, editor.text());
        return 0;
    } catch (const AuthFileError& e) {
        // mosquitto_passwd: "Error: Corrupt password file at line N."
        if (e.line() > 0) {
            err << "Error: " << e.reason() << "\n";
        } else {
            err << "Error: Unable to open password file " << e.file() << ". " << e.reason() << "\n";
        }
        return 1;
    } catch (const std::system_error& e) {
        err << "Error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        err << "Error: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace tapmq::auth
