// The bridge directives of mosquitto.conf, parsed into BridgeConfig (config.cpp hands every line of
// a `connection` section here). Same rules as the rest of the parser: Mosquitto's meaning and
// defaults, or a ConfigError with file, line and reason; what tapmqd cannot do is refused. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bridge_config.hpp"

namespace tapmq::broker::bridge {

// One line of a configuration file: its directive, its words (blank-separated) and the rest of the
// line after the directive (trimmed).
struct DirectiveLine {
    std::string file;
    int line = 0;
    std::string_view name;
    std::vector<std::string_view> args;
    std::string_view rest;
};

class BridgeDirectives {
  public:
    // Whether `name` is a bridge directive (`connection` included).
    static bool handles(std::string_view name);

    // `connection NAME`: a new bridge; its index. Throws ConfigError.
    int begin(const DirectiveLine& l);
    // A directive of bridge `index`. Throws ConfigError; appends caveats to `warnings`
    // ("FILE:LINE: directive 'NAME': ...").
    void directive(int index, const DirectiveLine& l, std::vector<std::string>& warnings);
    // Checks what needs the whole section (an address, a topic, TLS files) and fills the defaults.
    // `hostname` makes the default remote client id. Throws ConfigError.
    std::vector<BridgeConfig> finish(const std::string& hostname);

  private:
    struct Draft {
        BridgeConfig cfg;
        std::vector<std::string> given;  // directives seen (duplicates of strings are refused)
        bool local_cleansession_set = false;
    };
    std::vector<Draft> drafts_;
};

}  // namespace tapmq::broker::bridge
