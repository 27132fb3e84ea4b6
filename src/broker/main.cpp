// tapmqd: the tapmq MQTT broker.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <iostream>

#include "broker.hpp"
#include "config.hpp"
#include "logging.hpp"
#include "version.hpp"

using namespace tapmq::broker;

int main(int argc, char** argv) {
    CLI::App app{"tapmqd: MQTT 3.1, 3.1.1 and 5.0 broker. Reads Mosquitto's configuration format."};
    std::string config_file;
    int port = 0;
    bool verbose = false;
    bool test_config = false;
    bool move_aside = false;
    app.add_option("-c,--config-file", config_file, "Configuration file (Mosquitto format)");
    app.add_option("-p,--port", port, "Listen on this port (instead of the default 1883)")
        ->check(CLI::Range(1, 65535));
    app.add_flag("-v,--verbose", verbose, "Log everything (log_type all)");
    app.add_flag("--test-config", test_config, "Check the configuration file and exit");
    app.add_flag("--move-aside-corrupt-store", move_aside,
                 "If the persistence store is corrupt or of an unknown version, rename it and start empty");
    app.set_version_flag("--version", std::string("tapmqd ") + tapmq::kVersion);
    CLI11_PARSE(app, argc, argv);

    Config config;
    try {
        config = config_file.empty() ? parse_config("", "<defaults>") : load_config(config_file);
    } catch (const ConfigError& e) {
        std::cerr << "Error: " << e.what() << "\n";
        return 3;
    }
    if (port != 0) {
        // -p replaces the default listener's port, or adds a listener beside configured ones.
        if (config.local_only) {
            config.listeners.front().port = static_cast<std::uint16_t>(port);
        } else {
            ListenerConfig l = config.listeners.front();
            l.port = static_cast<std::uint16_t>(port);
            l.file = "<command line>";
            l.line = 0;
            config.listeners.push_back(l);
        }
    }
    if (test_config) {
        for (const auto& w : config.warnings)
            std::cerr << "Warning: " << w << "\n";
        std::cout << (config_file.empty() ? "<defaults>" : config_file) << ": configuration OK\n";
        return 0;
    }
    setup_logging(config, verbose);
    try {
        Broker broker(std::move(config), config_file);
        broker.set_move_aside_corrupt_store(move_aside);
        broker.start();
        return broker.run();
    } catch (const std::exception& e) {
        spdlog::error("Error: {}", e.what());
        return 1;
    }
}
