// Command line of `tapmq passwd` (CLI11). As with mosquitto_passwd (getopt), options end at the first
// operand, so a password given with -b may begin with '-'.
#include "args_passwd.hpp"

namespace tapmq::cli {

CLI::App* add_passwd_command(CLI::App& app, auth::PasswdArgs& args) {
    auto* cmd = app.add_subcommand(
        "passwd", "Create and edit Mosquitto password files (and SCRAM files), as mosquitto_passwd");
    cmd->prefix_command();  // the first operand and everything after it are operands
    cmd->add_option("-H", args.hash,
                    "Hash: sha512-pbkdf2 (default, read by Mosquitto 2.0 and 2.1), argon2id, sha512")
        ->type_name("HASH");
    cmd->add_option("-I", args.iterations, "PBKDF2 iterations (default 101; 4096 with --scram)")
        ->type_name("N");
    cmd->add_flag("-b", args.batch, "Batch mode: the password is the last operand");
    cmd->add_flag("-c", args.create,
                  "Create FILE (overwriting it) with this one user; FILE - writes to stdout");
    cmd->add_flag("-D", args.del, "Delete USER");
    cmd->add_flag("-U", args.update, "Hash the plain-text passwords of a user:password file");
    cmd->add_flag("--scram", args.scram, "FILE is a SCRAM-SHA-256 file for tapmqd's auth_scram_file");
    cmd->footer("Operands: FILE USER [PASSWORD] (-U: FILE). Without -b the password is asked twice.");
    cmd->callback([cmd, &args] { args.operands = cmd->remaining(); });
    return cmd;
}

}  // namespace tapmq::cli
