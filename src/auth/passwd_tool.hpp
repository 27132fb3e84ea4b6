// `tapmq passwd`: mosquitto_passwd's command-line interface over PasswordFile.
//
//   passwd [-H sha512 | -H sha512-pbkdf2 | -H argon2id] [-I iterations] [-c | -D] FILE USER
//   passwd [-H ...] [-I iterations] [-c] -b FILE USER PASSWORD
//   passwd -U FILE
//   passwd --scram [-I iterations] [-c | -D | -U] [-b] FILE USER [PASSWORD]
//
//   -b  batch mode: the password is the last argument (otherwise it is read twice from `in`,
//       after the prompts "Password: " and "Reenter password: " written to `out`; when `in` is
//       std::cin on a terminal, echo is switched off while typing)
//   -c  create FILE (overwriting it) with this one user; FILE "-" writes the line to `out`
//   -D  delete USER
//   -U  hash the plain-text passwords of a "user:password" file (lines already hashed are kept)
//   -H  hash scheme; default sha512-pbkdf2 ($7$, 101 iterations: what mosquitto_passwd 2.0 writes,
//       readable by Mosquitto 2.0 and 2.1). argon2id is read by Mosquitto 2.1 only.
//   -I  PBKDF2 iterations (mosquitto_passwd 2.1's option)
//   --scram  FILE is a SCRAM-SHA-256 file for auth_scram_file (see auth/scram_file.hpp): the same
//       options write "user:SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>" lines (-I defaults
//       to 4096; -H does not apply)
//
// Error messages and exit codes follow mosquitto_passwd 2.0.11 (1, or 2 when the two passwords
// typed differ); success is silent. Files are replaced atomically, new ones with mode 0600, existing
// ones keep their mode and owner (see write_text_file_atomically).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace tapmq::auth {

// The parsed command line (src/cli/args_passwd.cpp fills it with CLI11). -H and -I keep their text:
// run_passwd() checks them and answers as mosquitto_passwd does.
struct PasswdArgs {
    std::optional<std::string> hash;        // -H
    std::optional<std::string> iterations;  // -I
    bool scram = false;                     // --scram
    bool batch = false;                     // -b
    bool create = false;                    // -c
    bool del = false;                       // -D
    bool update = false;                    // -U
    std::vector<std::string> operands;      // FILE [USER [PASSWORD]]: options end at the first one
};

// Returns the exit status.
int run_passwd(const PasswdArgs& args, std::istream& in, std::ostream& out, std::ostream& err);

// The usage text printed for no or wrong arguments.
std::string passwd_usage();

}  // namespace tapmq::auth
