#include "auth/passwd_tool.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string_view>

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

namespace {

// -H's value as an algorithm; prints mosquitto_passwd's error and returns nothing when unknown.
std::optional<PasswordFile::Algorithm> hash_algorithm(const std::string& name, std::ostream& err) {
    using Algorithm = PasswordFile::Algorithm;
    if (name == "sha512") return Algorithm::Sha512;
    if (name == "sha512-pbkdf2") return Algorithm::Sha512Pbkdf2;
    if (name == "argon2id") {
        if (PasswordFile::argon2_supported()) return Algorithm::Argon2id;
        err << "Error: argon2id is not supported by this build.\n";
        return std::nullopt;
    }
    err << "Error: Unknown hash type '" << name << "'\n";
    return std::nullopt;
}

// -I's value; prints mosquitto_passwd's error and returns nothing when it is not a positive count.
std::optional<int> iteration_count(const std::string& text, std::ostream& err) {
    char* end = nullptr;
    const long n = std::strtol(text.c_str(), &end, 10);
    if (end == text.c_str() || *end != '\0' || n < 1 || n > 1'000'000'000L) {
        err << "Error: Number of iterations must be > 0.\n";
        return std::nullopt;
    }
    return static_cast<int>(n);
}

}  // namespace

namespace {

// What one run does, once the command line is checked.
struct Plan {
    std::function<std::string(std::string_view)> make_hash;  // a password file entry's hash part
    PasswordFile::Algorithm algorithm = PasswordFile::Algorithm::Sha512Pbkdf2;
    int iterations = PasswordFile::kDefaultIterations;
    std::string file;
    std::string user;
    std::optional<std::string> password;  // -b's; otherwise prompted for when needed
};

// mosquitto_passwd's rules for the mode flags; an error message or nothing.
std::optional<std::string> check_modes(const PasswdArgs& a) {
    if (a.scram && a.hash) return "-H cannot be used with --scram.";
    if (a.create && a.del) return "-c and -D cannot be used together.";
    if (a.create && a.update) return "-c and -U cannot be used together.";
    if (a.del && a.update) return "-D and -U cannot be used together.";
    if (a.del && a.batch) return "-b and -D cannot be used together.";
    return std::nullopt;
}

// The operand count each mode needs: 0 when fine, else the exit status after the message.
int check_operands(const PasswdArgs& a, std::ostream& out, std::ostream& err) {
    const std::size_t n = a.operands.size();
    if (a.create) {
        if (n >= (a.batch ? 3U : 2U)) return 0;
        err << (a.batch ? "Error: -c argument given but password file, username, or password missing.\n"
                        : "Error: -c argument given but password file or username missing.\n");
        return 1;
    }
    if (a.del) {
        if (n >= 2) return 0;
        err << "Error: -D argument given but password file or username missing.\n";
        return 1;
    }
    if (a.update) {
        if (n == 1) return 0;
        err << "Error: -U argument given but password file missing.\n";
        return 1;
    }
    if ((a.batch && n == 3) || (!a.batch && n == 2)) return 0;
    out << passwd_usage();
    return 1;
}

// Checks the command line and builds the plan; 0, or the exit status after an error message.
int make_plan(const PasswdArgs& a, std::ostream& out, std::ostream& err, Plan& plan) {
    if (a.hash) {
        const auto chosen = hash_algorithm(*a.hash, err);
        if (!chosen) return 1;
        plan.algorithm = *chosen;
    }
    if (a.iterations) {
        const auto n = iteration_count(*a.iterations, err);
        if (!n) return 1;
        plan.iterations = *n;
    } else if (a.scram) {
        plan.iterations = static_cast<int>(ScramFile::kDefaultIterations);
    }
    if (const auto why = check_modes(a)) {
        err << "Error: " << *why << "\n";
        return 1;
    }
    if (const int rc = check_operands(a, out, err); rc != 0) return rc;
    plan.file = a.operands[0];
    if (!a.update) {
        plan.user = a.operands[1];
        std::string why;
        if (!valid_password_file_username(plan.user, &why)) {
            err << "Error: " << why << "\n";
            return 1;
        }
    }
    if (a.batch) plan.password = a.operands[2];
    if (plan.password && plan.password->size() > kMaxPassword) {
        err << "Error: Password must be less than 65536 characters long.\n";
        return 1;
    }
    plan.make_hash = [scram = a.scram, algorithm = plan.algorithm,
                      iterations = plan.iterations](std::string_view pw) {
        return scram ? ScramFile::hash_password(pw, static_cast<std::uint32_t>(iterations))
                     : PasswordFile::hash_password(pw, algorithm, iterations);
    };
    return 0;
}

// -c: a new file (or standard output for "-") with this one user.
int create_file(Plan& plan, std::istream& in, std::ostream& out, std::ostream& err) {
    if (!plan.password) {
        std::string typed;
        if (const int rc = prompt_password(in, out, err, typed); rc != 0) return rc;
        plan.password = std::move(typed);
    }
    const std::string line = plan.user + ":" + plan.make_hash(*plan.password) + "\n";
    if (plan.file == "-") {
        out << line << std::flush;
    } else {
        write_text_file_atomically(plan.file, line);
    }
    return 0;
}

// -D, -U or setting one user's password in an existing file.
int edit_file(const PasswdArgs& a, Plan& plan, std::istream& in, std::ostream& out, std::ostream& err) {
    if (plan.file == "-") {
        err << "Error: \"-\" (standard output) can only be used with -c.\n";
        return 1;
    }
    if (!std::filesystem::exists(plan.file)) {
        err << "Error: Unable to open password file " << plan.file << ". No such file or directory.\n";
        return 1;
    }
    PasswordFileEditor editor = PasswordFileEditor::load(plan.file);
    if (a.del) {
        if (!editor.remove(plan.user)) {
            err << "Warning: User " << plan.user << " not found in password file.\n";
            return 1;
        }
    } else if (a.update) {
        if (a.scram) {
            editor.hash_plaintext([](std::string_view e) { return ScramFile::decode(e).has_value(); },
                                  plan.make_hash);
        } else {
            editor.hash_plaintext(plan.algorithm, plan.iterations);
        }
    } else {
        if (!plan.password) {
            std::string typed;
            if (const int rc = prompt_password(in, out, err, typed); rc != 0) return rc;
            plan.password = std::move(typed);
        }
        editor.set(plan.user, plan.make_hash(*plan.password));
    }
    write_text_file_atomically(plan.file, editor.text());
    return 0;
}

bool nothing_given(const PasswdArgs& a) {
    return a.operands.empty() && !a.hash && !a.iterations && !a.scram && !a.batch && !a.create && !a.del &&
           !a.update;
}

}  // namespace

int run_passwd(const PasswdArgs& args, std::istream& in, std::ostream& out, std::ostream& err) {
    if (nothing_given(args)) {
        out << passwd_usage();
        return 1;
    }
    Plan plan;
    if (const int rc = make_plan(args, out, err, plan); rc != 0) return rc;
    try {
        return args.create ? create_file(plan, in, out, err) : edit_file(args, plan, in, out, err);
    } catch (const AuthFileError& e) {
        // mosquitto_passwd: "Error: Corrupt password file at line N."
        if (e.line() > 0) {
            err << "Error: " << e.reason() << "\n";
        } else {
            err << "Error: Unable to open password file " << e.file() << ". " << e.reason() << "\n";
        }
        return 1;
    } catch (const std::exception& e) {
        err << "Error: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace tapmq::auth
