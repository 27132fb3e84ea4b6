// The configuration parser: Mosquitto 2.0's mosquitto.conf read unchanged (defaults, listeners,
// per_listener_settings, include_dir, bridges: see test_bridge_config.cpp), errors naming file, line and
// directive, warnings for what is accepted but not done.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "broker/config.hpp"

namespace tapmq::broker {
namespace {

namespace fs = std::filesystem;

// Parses `text` as "test.conf" expecting a ConfigError, and returns it.
ConfigError parse_error(std::string_view text, std::string_view name = "test.conf") {
    try {
        (void)parse_config(text, name);
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << "no ConfigError for:\n" << text;
    return ConfigError("", 0, "", "");
}

Config parse(std::string_view text) {
    return parse_config(text, "test.conf");
}

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

// A fresh directory under the system temp directory, removed afterwards.
class TempDir {
  public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = fs::temp_directory_path() /
                ("tapmq_test_config_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }
    fs::path write(const std::string& relative, std::string_view text) const {
        const fs::path p = path_ / relative;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }

  private:
    fs::path path_;
};

// ---- defaults ---------------------------------------------------------------------------------------

TEST(ConfigDefaults, EmptyFileIsMosquittoLocalOnlyMode) {
    const Config c = parse("");
    EXPECT_TRUE(c.local_only);
    ASSERT_EQ(c.listeners.size(), 1u);
    const auto& l = c.listeners[0];
    EXPECT_EQ(l.port, 1883);
    EXPECT_EQ(l.bind_address, "127.0.0.1");
    EXPECT_EQ(l.protocol, "mqtt");
    EXPECT_TRUE(l.security.allow_anonymous);
    EXPECT_TRUE(c.security.allow_anonymous);
    EXPECT_FALSE(l.tls());
    EXPECT_EQ(l.line, 0);
    EXPECT_TRUE(c.warnings.empty());
}

TEST(ConfigDefaults, ValuesMatchMosquitto) {
    const Config c = parse("listener 1883\n");
    EXPECT_FALSE(c.local_only);
    EXPECT_FALSE(c.per_listener_settings);
    EXPECT_FALSE(c.security.allow_anonymous);  // Mosquitto 2: false once a listener is configured
    EXPECT_TRUE(c.security.password_file.empty());
    EXPECT_TRUE(c.security.acl_file.empty());
    EXPECT_TRUE(c.security.allow_zero_length_clientid);
    EXPECT_EQ(c.security.auto_id_prefix, "auto-");
    EXPECT_FALSE(c.check_retain_source);
    EXPECT_EQ(c.max_keepalive, 65535);
    EXPECT_EQ(c.max_packet_size, 0u);
    EXPECT_EQ(c.message_size_limit, 0u);
    EXPECT_EQ(c.max_inflight_messages, 20);
    EXPECT_EQ(c.max_queued_messages, 1000u);
    EXPECT_EQ(c.max_queued_bytes, 0u);
    EXPECT_FALSE(c.queue_qos0_messages);
    EXPECT_TRUE(c.retain_available);
    EXPECT_FALSE(c.upgrade_outgoing_qos);
    EXPECT_FALSE(c.persistent_client_expiration.has_value());
    EXPECT_TRUE(c.clientid_prefixes.empty());
    EXPECT_FALSE(c.set_tcp_nodelay);
    EXPECT_EQ(c.sys_interval, 10u);
    EXPECT_EQ(c.log_dest, (std::vector<std::string>{"stderr"}));
    EXPECT_EQ(c.log_type, (std::vector<std::string>{"error", "warning", "notice", "information"}));
    EXPECT_TRUE(c.log_file.empty());
    EXPECT_FALSE(c.log_facility.has_value());
    EXPECT_TRUE(c.log_timestamp);
    EXPECT_TRUE(c.log_timestamp_format.empty());
    EXPECT_TRUE(c.connection_messages);
    EXPECT_FALSE(c.persistence);
    EXPECT_TRUE(c.persistence_location.empty());
    EXPECT_TRUE(c.pid_file.empty());
    EXPECT_TRUE(c.user.empty());
    // tapmq extensions
    EXPECT_EQ(c.worker_threads, 0u);
    EXPECT_EQ(c.max_topic_levels, 128u);
    EXPECT_EQ(c.max_topic_length, 65535u);
    EXPECT_EQ(c.max_pending_handshakes, 4096u);
    EXPECT_EQ(c.client_write_buffer_limit, 16u << 20);
    EXPECT_EQ(c.connect_timeout, 10u);
    EXPECT_EQ(c.durability, "fsync");

    ASSERT_EQ(c.listeners.size(), 1u);
    const auto& l = c.listeners[0];
    EXPECT_EQ(l.port, 1883);
    EXPECT_EQ(l.bind_address, "");
    EXPECT_EQ(l.file, "test.conf");
    EXPECT_EQ(l.line, 1);
    EXPECT_EQ(l.protocol, "mqtt");
    EXPECT_FALSE(l.max_connections.has_value());
    EXPECT_EQ(l.max_qos, 2);
    EXPECT_EQ(l.max_topic_alias, 10);
    EXPECT_TRUE(l.mount_point.empty());
    EXPECT_FALSE(l.use_username_as_clientid);
    EXPECT_FALSE(l.require_certificate);
    EXPECT_FALSE(l.security.allow_anonymous);
    EXPECT_TRUE(c.warnings.empty());
}

TEST(ConfigDefaults, EveryFieldCanBeSet) {
    const Config c = parse(
        "max_keepalive 60\nmax_packet_size 20\nmessage_size_limit 268435455\n"
        "max_inflight_messages 1\nmax_inflight_bytes 4096\nmax_queued_messages 7\nmax_queued_bytes 8\n"
        "max_retained_messages 9\nmax_retained_bytes 10000000000\n"
        "queue_qos0_messages true\nretain_available false\nupgrade_outgoing_qos true\n"
        "clientid_prefixes secure-\nset_tcp_nodelay true\nsys_interval 0\nmemory_limit 1048576\n"
        "websockets_headers_size 2048\n"
        "log_facility 5\nlog_timestamp false\nlog_timestamp_format %H:%M:%S\nconnection_messages false\n"
        "retained_persistence true\npersistence_file my.db\npersistence_location /var/lib/x/\n"
        "autosave_interval 0\nautosave_on_changes true\npid_file /run/x.pid\nuser nobody\n"
        "worker_threads 4\nmax_topic_levels 0\nmax_topic_length 1024\nmax_pending_handshakes 100\n"
        "client_write_buffer_limit 1024\nconnect_timeout 5\ndurability fsync\n"
        "allow_zero_length_clientid false\nauto_id_prefix gen-\n");
    EXPECT_EQ(c.max_keepalive, 60);
    EXPECT_EQ(c.max_packet_size, 20u);
    EXPECT_EQ(c.message_size_limit, 268435455u);
    EXPECT_EQ(c.max_inflight_messages, 1);
    EXPECT_EQ(c.max_inflight_bytes, 4096u);
    EXPECT_EQ(c.max_queued_messages, 7u);
    EXPECT_EQ(c.max_queued_bytes, 8u);
    EXPECT_EQ(c.max_retained_messages, 9u);
    EXPECT_EQ(c.max_retained_bytes, 10000000000u);
    EXPECT_TRUE(c.queue_qos0_messages);
    EXPECT_FALSE(c.retain_available);
    EXPECT_TRUE(c.upgrade_outgoing_qos);
    EXPECT_EQ(c.clientid_prefixes, "secure-");
    EXPECT_TRUE(c.set_tcp_nodelay);
    EXPECT_EQ(c.sys_interval, 0u);
    EXPECT_EQ(c.memory_limit, 1048576u);
    EXPECT_EQ(c.websockets_headers_size, 2048u);
    EXPECT_EQ(c.log_facility, 5);
    EXPECT_FALSE(c.log_timestamp);
    EXPECT_EQ(c.log_timestamp_format, "%H:%M:%S");
    EXPECT_FALSE(c.connection_messages);
    EXPECT_TRUE(c.persistence);
    EXPECT_EQ(c.persistence_location, "/var/lib/x/");
    EXPECT_EQ(c.pid_file, "/run/x.pid");
    EXPECT_EQ(c.user, "nobody");
    EXPECT_EQ(c.worker_threads, 4u);
    EXPECT_EQ(c.max_topic_levels, 0u);
    EXPECT_EQ(c.max_topic_length, 1024u);
    EXPECT_EQ(c.max_pending_handshakes, 100u);
    EXPECT_EQ(c.client_write_buffer_limit, 1024u);
    EXPECT_EQ(c.connect_timeout, 5u);
    EXPECT_EQ(c.durability, "fsync");
    EXPECT_FALSE(c.security.allow_zero_length_clientid);
    EXPECT_EQ(c.security.auto_id_prefix, "gen-");
    ASSERT_EQ(c.listeners.size(), 1u);  // still local only mode
    EXPECT_FALSE(c.listeners[0].security.allow_zero_length_clientid);
    EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
}

TEST(ConfigDefaults, ListenerFields) {
    const Config c = parse(
        "listener 8883 0.0.0.0\n"
        "bind_interface eth0\nprotocol websockets\nsocket_domain ipv4\nmax_connections 100\n"
        "maximum_qos 1\nmax_topic_alias 0\nuse_username_as_clientid true\n"
        "cafile /ca.pem\ncapath /certs\ncertfile /server.pem\nkeyfile /server.key\ncrlfile /crl.pem\n"
        "dhparamfile /dh.pem\ntls_version tlsv1.3\nciphers A:B\nciphers_tls1.3 TLS_AES_256_GCM_SHA384\n"
        "require_certificate true\nuse_identity_as_username true\nuse_subject_as_username true\n"
        "mount_point site1/\npsk_hint devices\n");
    ASSERT_EQ(c.listeners.size(), 1u);
    const auto& l = c.listeners[0];
    EXPECT_EQ(l.port, 8883);
    EXPECT_EQ(l.bind_address, "0.0.0.0");
    EXPECT_EQ(l.bind_interface, "eth0");
    EXPECT_EQ(l.protocol, "websockets");
    EXPECT_EQ(l.socket_domain, "ipv4");
    EXPECT_EQ(l.max_connections, 100u);
    EXPECT_EQ(l.max_qos, 1);
    EXPECT_EQ(l.max_topic_alias, 0);
    EXPECT_TRUE(l.use_username_as_clientid);
    EXPECT_EQ(l.cafile, "/ca.pem");
    EXPECT_EQ(l.capath, "/certs");
    EXPECT_EQ(l.certfile, "/server.pem");
    EXPECT_EQ(l.keyfile, "/server.key");
    EXPECT_EQ(l.crlfile, "/crl.pem");
    EXPECT_EQ(l.dhparamfile, "/dh.pem");
    EXPECT_EQ(l.tls_version, "tlsv1.3");
    EXPECT_EQ(l.ciphers, "A:B");
    EXPECT_EQ(l.ciphers_tls1_3, "TLS_AES_256_GCM_SHA384");
    EXPECT_TRUE(l.require_certificate);
    EXPECT_TRUE(l.use_identity_as_username);
    EXPECT_TRUE(l.use_subject_as_username);
    EXPECT_EQ(l.mount_point, "site1/");
    EXPECT_EQ(l.psk_hint, "devices");
    EXPECT_TRUE(l.tls());
    EXPECT_TRUE(c.warnings.empty());
}

// ---- lexical rules -----------------------------------------------------------------------------------

TEST(ConfigSyntax, CommentsBlankLinesCrLfTabsAndNoFinalNewline) {
    const Config c = parse(
        "# comment\r\n"
        "\r\n"
        "   \t \n"
        "  # indented comment (an error in Mosquitto, accepted here)\n"
        "listener 1883\r\n"
        "\tallow_anonymous\ttrue  \r\n"
        "  max_qos   1");
    ASSERT_EQ(c.listeners.size(), 1u);
    EXPECT_TRUE(c.listeners[0].security.allow_anonymous);
    EXPECT_EQ(c.listeners[0].max_qos, 1);
    EXPECT_EQ(c.listeners[0].line, 5);
}

TEST(ConfigSyntax, BooleansAreTrueFalseOneZero) {
    EXPECT_TRUE(parse("listener 1883\nallow_anonymous true\n").security.allow_anonymous);
    EXPECT_TRUE(parse("listener 1883\nallow_anonymous 1\n").security.allow_anonymous);
    EXPECT_FALSE(parse("allow_anonymous false\n").security.allow_anonymous);
    EXPECT_FALSE(parse("allow_anonymous 0\n").security.allow_anonymous);
}

TEST(ConfigSyntax, StringValuesAreTheRestOfTheLine) {
    // As Mosquitto: paths may contain blanks, and '#' after the directive is part of the value.
    const Config c =
        parse("listener 1883\npassword_file   /etc/my passwords/file  \nacl_file /a # not a comment\n");
    EXPECT_EQ(c.security.password_file, "/etc/my passwords/file");
    EXPECT_EQ(c.security.acl_file, "/a # not a comment");
    EXPECT_TRUE(c.warnings.empty());
}

TEST(ConfigSyntax, ExtraWordsAreIgnoredWithAWarning) {
    const Config c = parse(
        "listener 1883 127.0.0.1 extra\n"
        "allow_anonymous true false\n"
        "max_qos 1 # a trailing comment is silently ignored\n"
        "log_dest stdout stderr\n");
    EXPECT_TRUE(c.listeners[0].security.allow_anonymous);
    EXPECT_EQ(c.listeners[0].bind_address, "127.0.0.1");
    EXPECT_EQ(c.log_dest, (std::vector<std::string>{"stdout"}));
    ASSERT_EQ(c.warnings.size(), 3u);
    EXPECT_EQ(c.warnings[0],
              "test.conf:1: directive 'listener': extra value 'extra' ignored (as Mosquitto does)");
    EXPECT_EQ(c.warnings[1],
              "test.conf:2: directive 'allow_anonymous': extra value 'false' ignored (as Mosquitto does)");
    EXPECT_EQ(c.warnings[2],
              "test.conf:4: directive 'log_dest': extra value 'stderr' ignored (as Mosquitto does)");
}

TEST(ConfigSyntax, NegativeLimitsBecomeZeroLikeMosquitto) {
    const Config c = parse(
        "listener 1883\n"
        "max_queued_messages -1\nmax_inflight_messages -5\nmax_inflight_bytes -1\nmax_queued_bytes -1\n"
        "autosave_interval -1\nmax_connections -1\n");
    EXPECT_EQ(c.max_queued_messages, 0u);
    EXPECT_EQ(c.max_inflight_messages, 0);
    EXPECT_EQ(c.max_queued_bytes, 0u);
    EXPECT_FALSE(c.listeners[0].max_connections.has_value());  // -1 = unlimited, documented
    ASSERT_EQ(c.warnings.size(), 5u);
    EXPECT_EQ(
        c.warnings[0],
        "test.conf:2: directive 'max_queued_messages': negative value -1 is taken as 0 (as Mosquitto does)");
}

// ---- persistent_client_expiration ----------------------------------------------------------------------

TEST(ConfigExpiration, Units) {
    struct Case {
        const char* value;
        std::uint64_t seconds;
    };
    for (const Case& k :
         {Case{"1h", 3600}, Case{"2d", 2 * 86400}, Case{"1w", 7 * 86400}, Case{"1m", 30 * 86400},
          Case{"1y", 365 * 86400}, Case{"14d", 14 * 86400}, Case{"2147483647y", 2147483647ull * 31536000}}) {
        SCOPED_TRACE(k.value);
        const Config c = parse(std::string("persistent_client_expiration ") + k.value + "\n");
        EXPECT_EQ(c.persistent_client_expiration, k.seconds);
    }
}

TEST(ConfigExpiration, InvalidDurations) {
    for (const char* v : {"5", "5s", "0d", "-1d", "abcd", "d", "1.5d", "2147483648y", "1H"}) {
        SCOPED_TRACE(v);
        const auto e = parse_error(std::string("listener 1883\npersistent_client_expiration ") + v + "\n");
        EXPECT_EQ(e.file, "test.conf");
        EXPECT_EQ(e.line, 2);
        EXPECT_EQ(e.directive, "persistent_client_expiration");
        EXPECT_TRUE(contains(e.message, "invalid duration")) << e.what();
    }
    const auto e = parse_error("persistent_client_expiration\n");
    EXPECT_EQ(e.line, 1);
    EXPECT_EQ(e.message, "missing value");
}

// ---- errors --------------------------------------------------------------------------------------------

struct ErrorCase {
    const char* text;
    int line;
    const char* directive;
    const char* message;  // a part of ConfigError::message
};

TEST(ConfigErrors, NameFileLineAndDirective) {
    const ErrorCase cases[] = {
        {"bogus_directive 1\n", 1, "bogus_directive", "unknown directive"},
        {"listener 1883\n\n# comment\nfoo_bar\n", 4, "foo_bar", "unknown directive"},
        {"Listener 1883\n", 1, "Listener", "unknown directive"},
        {"listener\n", 1, "listener", "missing value"},
        {"listener abc\n", 1, "listener", "invalid value 'abc' (expected an integer)"},
        {"listener 18x83\n", 1, "listener", "expected an integer"},
        {"listener 0\n", 1, "listener", "unix socket path"},
        {"listener 0 /run/a.sock\nlistener 0 /run/a.sock\n", 2, "listener", "already defined at test.conf:1"},
        {"listener 0 /run/a.sock\ncertfile /c.pem\n", 2, "certfile", "serves plain MQTT only"},
        {"listener 0 /run/a.sock\nprotocol websockets\n", 1, "protocol", "serves plain MQTT only"},
        {"listener 65536\n", 1, "listener", "value 65536 is out of range (0 to 65535)"},
        {"listener -1\n", 1, "listener", "out of range"},
        {"listener 99999999999999999999999\n", 1, "listener", "out of range"},
        {"listener 1883\nlistener 1883\n", 2, "listener", "already defined at test.conf:1"},
        {"listener 1883 ::1\nlistener 1884\nlistener 1883 ::1\n", 3, "listener",
         "already defined at test.conf:1"},
        {"port 0\n", 1, "port", "out of range (1 to 65535)"},
        {"port http\n", 1, "port", "expected an integer"},
        {"bind_address\n", 1, "bind_address", "missing value"},
        {"listener 1883\nallow_anonymous maybe\n", 2, "allow_anonymous",
         "invalid value 'maybe' (expected true or false)"},
        {"listener 1883\nallow_anonymous TRUE\n", 2, "allow_anonymous", "invalid value 'TRUE'"},
        {"listener 1883\nallow_anonymous\n", 2, "allow_anonymous", "missing value"},
        {"listener 1883\nmax_qos 3\n", 2, "max_qos", "out of range (0 to 2)"},
        {"listener 1883\nmaximum_qos -1\n", 2, "maximum_qos", "out of range"},
        {"max_keepalive -1\n", 1, "max_keepalive", "out of range"},
        {"max_keepalive 9\n", 1, "max_keepalive", "out of range (10 to 65535)"},
        {"max_keepalive 65536\n", 1, "max_keepalive", "out of range"},
        {"max_packet_size 19\n", 1, "max_packet_size", "out of range (20 to"},
        {"max_packet_size 0\n", 1, "max_packet_size", "out of range"},
        {"message_size_limit 268435456\n", 1, "message_size_limit", "out of range"},
        {"message_size_limit -1\n", 1, "message_size_limit", "out of range"},
        {"memory_limit -1\n", 1, "memory_limit", "out of range"},
        {"sys_interval 65536\n", 1, "sys_interval", "out of range"},
        {"sys_interval 1O\n", 1, "sys_interval", "expected an integer"},
        {"max_inflight_messages 65536\n", 1, "max_inflight_messages", "out of range"},
        {"max_queued_messages lots\n", 1, "max_queued_messages", "expected an integer"},
        {"listener 1883\nmax_topic_alias 65536\n", 2, "max_topic_alias", "out of range"},
        {"listener 1883\nmax_connections abc\n", 2, "max_connections", "expected an integer"},
        {"log_dest carrier_pigeon\n", 1, "log_dest", "invalid value 'carrier_pigeon'"},
        {"log_dest\n", 1, "log_dest", "missing value"},
        {"log_dest file\n", 1, "log_dest", "missing file name"},
        {"log_dest file /a.log\nlog_dest stdout\nlog_dest file /b.log\n", 3, "log_dest",
         "only one 'log_dest file'"},
        {"log_type foo\n", 1, "log_type", "invalid value 'foo'"},
        {"log_facility 8\n", 1, "log_facility", "out of range (0 to 7)"},
        {"log_timestamp yes\n", 1, "log_timestamp", "expected true or false"},
        {"listener 1883\nprotocol mqtts\n", 2, "protocol", "expected mqtt or websockets"},
        {"listener 1883\nsocket_domain ipv5\n", 2, "socket_domain", "expected ipv4 or ipv6"},
        {"listener 1883\ntls_version tlsv1.0\n", 2, "tls_version", "expected tlsv1.1, tlsv1.2 or tlsv1.3"},
        {"listener 1883\ncertfile\n", 2, "certfile", "missing value"},
        {"listener 1883\ncertfile /a\ncertfile /b\n", 3, "certfile",
         "duplicate value (first given at test.conf:2)"},
        {"mount_point a/\nlistener 1883\n", 1, "mount_point",
         "a listener must be defined before mount_point"},
        {"listener 1883\nmount_point a/#\n", 2, "mount_point", "contains a wildcard"},
        {"listener 1883\nmount_point a/+/\n", 2, "mount_point", "contains a wildcard"},
        {"password_file /a\npassword_file /b\n", 2, "password_file",
         "duplicate value (first given at test.conf:1)"},
        {"pid_file\n", 1, "pid_file", "missing value"},
        {"user a\nuser b\n", 2, "user", "duplicate value"},
        {"pid_file /tmp/\xff\xfe\n", 1, "pid_file", "not valid UTF-8"},
        {"allow_anonymous true\nper_listener_settings true\n", 2, "per_listener_settings",
         "must be set before any other security setting"},
        {"per_listener_settings maybe\n", 1, "per_listener_settings", "expected true or false"},
        {"plugin_opt_foo bar\n", 1, "plugin_opt_foo", "without a preceding auth_plugin or plugin"},
        {"auth_plugin_deny_special_chars true\n", 1, "auth_plugin_deny_special_chars", "without a preceding"},
        {"auth_plugin\n", 1, "auth_plugin", "missing value"},
        {"address 127.0.0.1\n", 1, "address", "only valid in a bridge section"},
        {"listener 1883\ntopic # both\n", 2, "topic", "only valid in a bridge section"},
        {"cleansession true\n", 1, "cleansession", "only valid in a bridge section"},
        {"connection\n", 1, "connection", "missing value"},
        {"worker_threads -1\n", 1, "worker_threads", "out of range"},
        {"max_topic_length 0\n", 1, "max_topic_length", "out of range (1 to 65535)"},
        {"client_write_buffer_limit 16M\n", 1, "client_write_buffer_limit", "expected an integer"},
        {"connect_timeout -3\n", 1, "connect_timeout", "out of range"},
        {"durability maybe\n", 1, "durability", "expected os or fsync"},
        {"shared_subscription_strategy random\n", 1, "shared_subscription_strategy",
         "expected round_robin or local"},
        {"websockets_headers_size 70000\n", 1, "websockets_headers_size", "out of range"},
        {"include_dir\n", 1, "include_dir", "missing value"},
        {"include_dir /nonexistent/tapmq/dir\n", 1, "include_dir",
         "cannot open directory '/nonexistent/tapmq/dir'"},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.text);
        const auto e = parse_error(k.text);
        EXPECT_EQ(e.file, "test.conf");
        EXPECT_EQ(e.line, k.line);
        EXPECT_EQ(e.directive, k.directive);
        EXPECT_TRUE(contains(e.message, k.message)) << "message: " << e.message;
        EXPECT_EQ(std::string(e.what()),
                  "test.conf:" + std::to_string(k.line) + ": directive '" + k.directive + "': " + e.message);
    }
}

TEST(ConfigErrors, NulByteInALine) {
    const auto e = parse_error(std::string_view("listener 1883\npid_file /a\0b\n", 26));
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.directive, "");
    EXPECT_EQ(std::string(e.what()), "test.conf:2: line contains a NUL byte");
}

TEST(ConfigErrors, TheNameGivenToParseConfigIsUsed) {
    const auto e = parse_error("listener 1883\nnope\n", "/etc/mosquitto/mosquitto.conf");
    EXPECT_EQ(e.file, "/etc/mosquitto/mosquitto.conf");
    EXPECT_EQ(std::string(e.what()), "/etc/mosquitto/mosquitto.conf:2: directive 'nope': unknown directive");
}

TEST(ConfigErrors, MissingOrUnreadableMainFile) {
    TempDir dir;
    const fs::path missing = dir.path() / "missing.conf";
    try {
        (void)load_config(missing);
        ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.file, missing.string());
        EXPECT_EQ(e.line, 0);
        EXPECT_EQ(e.directive, "");
        EXPECT_TRUE(contains(e.what(), missing.string() + ": cannot open")) << e.what();
    }
    try {
        (void)load_config(dir.path());
        ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.line, 0);
        EXPECT_EQ(e.message, "is a directory");
    }
}

// ---- warnings for what is accepted but not done ---------------------------------------------------------

TEST(ConfigRefusals, WhatTapmqdDoesNotDoIsRefusedWithFileLineAndReason) {
    // Never accepted and ignored: each of these would change what the broker does (a plugin's ACLs,
    // a PSK listener's encryption...), so the file is refused where it asks for it.
    const struct {
        const char* text;
        int line;
        const char* directive;
        const char* why;
    } cases[] = {
        {"listener 1883\nauth_plugin /usr/lib/auth.so\n", 2, "auth_plugin",
         "refuses to start rather than run open"},
        {"plugin /usr/lib/mosquitto_dynamic_security.so\n", 1, "plugin", "plugins cannot be loaded"},
        {"listener 8883\ntls_engine pkcs11\n", 2, "tls_engine", "engines"},
        {"listener 8883\ntls_keyform engine\n", 2, "tls_keyform", "engines"},
        {"listener 8883\ntls_engine_kpass_sha1 0123\n", 2, "tls_engine_kpass_sha1", "engines"},
        {"listener 8883\ntls_version tlsv1.1\n", 2, "tls_version", "use tlsv1.2"},
        {"log_dest dlt\n", 1, "log_dest", "'dlt'"},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.text);
        const auto e = parse_error(k.text);
        EXPECT_EQ(e.line, k.line);
        EXPECT_EQ(e.directive, k.directive);
        EXPECT_NE(e.message.find("not supported by tapmqd: "), std::string::npos) << e.message;
        EXPECT_NE(e.message.find(k.why), std::string::npos) << e.message;
    }
    // Their default values ask for nothing tapmqd lacks.
    const Config c = parse(
        "listener 1883\ncheck_retain_source false\nmax_inflight_bytes 0\nmemory_limit 0\ntls_keyform pem\n");
    EXPECT_TRUE(c.warnings.empty());
}

TEST(ConfigRefusals, DirectivesWithoutMeaningForTapmqdAreNoted) {
    const Config c = parse(
        "listener 1883\n"                    // 1
        "allow_duplicate_messages false\n"   // 2
        "retry_interval 20\n"                // 3
        "websockets_log_level 255\n"         // 4
        "autosave_interval 900\n"            // 5
        "autosave_on_changes true\n"         // 6
        "persistence_file mosquitto.db\n");  // 7
    ASSERT_EQ(c.notes.size(), 6u);
    EXPECT_EQ(c.notes[0],
              "test.conf:2: directive 'allow_duplicate_messages' has no effect: deprecated in Mosquitto 2.0, "
              "which ignores it too");
    EXPECT_NE(c.notes[3].find("test.conf:5: directive 'autosave_interval' has no effect: tapmqd writes every "
                              "change through"),
              std::string::npos);
    EXPECT_NE(c.notes[5].find("test.conf:7: directive 'persistence_file'"), std::string::npos);
    EXPECT_TRUE(c.warnings.empty());
}

TEST(ConfigWarnings, DefaultListenerSettingsThatMosquittoDrops) {
    // With per_listener_settings true, security settings before the first listener go to the default
    // listener, which Mosquitto does not start here: they are lost (silently in Mosquitto).
    const Config c = parse("per_listener_settings true\nallow_anonymous true\nlistener 1883\n");
    ASSERT_EQ(c.listeners.size(), 1u);
    EXPECT_FALSE(c.listeners[0].security.allow_anonymous);
    ASSERT_EQ(c.warnings.size(), 1u);
    EXPECT_EQ(c.warnings[0],
              "test.conf:2: directive 'allow_anonymous' comes before any 'listener' line of its file and so "
              "applies "
              "to the default listener, which is not started (as Mosquitto); ignored");

    const Config d = parse("max_topic_alias 5\nlistener 1883\n");
    EXPECT_EQ(d.listeners[0].max_topic_alias, 10);
    ASSERT_EQ(d.warnings.size(), 1u);
    EXPECT_TRUE(d.warnings[0].starts_with("test.conf:1: directive 'max_topic_alias' comes before any"));
}

// ---- listeners, the default listener and security ---------------------------------------------------------

TEST(ConfigListeners, LegacyPortAndBindAddressMakeTheDefaultListener) {
    Config c = parse("port 1884\n");
    EXPECT_FALSE(c.local_only);
    ASSERT_EQ(c.listeners.size(), 1u);
    EXPECT_EQ(c.listeners[0].port, 1884);
    EXPECT_EQ(c.listeners[0].bind_address, "");
    EXPECT_FALSE(c.listeners[0].security.allow_anonymous);

    c = parse("bind_address 10.0.0.1\nallow_anonymous true\n");
    ASSERT_EQ(c.listeners.size(), 1u);
    EXPECT_EQ(c.listeners[0].port, 1883);
    EXPECT_EQ(c.listeners[0].bind_address, "10.0.0.1");
    EXPECT_TRUE(c.listeners[0].security.allow_anonymous);

    c = parse("port 1884\nport 1885\n");
    ASSERT_EQ(c.listeners.size(), 1u);
    EXPECT_EQ(c.listeners[0].port, 1885);
    ASSERT_EQ(c.warnings.size(), 1u);
    EXPECT_TRUE(c.warnings[0].starts_with(
        "test.conf:2: directive 'port': default listener port given more than once"));

    // Listeners and the legacy default listener together: the default one comes last (as Mosquitto).
    c = parse("listener 8883\nport 1884\nbind_address 127.0.0.1\n");
    ASSERT_EQ(c.listeners.size(), 2u);
    EXPECT_EQ(c.listeners[0].port, 8883);
    EXPECT_EQ(c.listeners[1].port, 1884);
    EXPECT_EQ(c.listeners[1].bind_address, "127.0.0.1");
}

TEST(ConfigListeners, ListenerSettingsBeforeAnyListenerStartTheDefaultListener) {
    // As Mosquitto: certfile before the first listener configures the default listener, which is then
    // started on port 1883 (all interfaces) besides the explicit ones.
    const Config c = parse("certfile /server.pem\nkeyfile /server.key\nlistener 8883\n");
    ASSERT_EQ(c.listeners.size(), 2u);
    EXPECT_EQ(c.listeners[0].port, 8883);
    EXPECT_FALSE(c.listeners[0].tls());
    EXPECT_EQ(c.listeners[1].port, 1883);
    EXPECT_EQ(c.listeners[1].bind_address, "");
    EXPECT_EQ(c.listeners[1].certfile, "/server.pem");
    EXPECT_TRUE(c.warnings.empty());

    const Config d = parse("per_listener_settings true\npassword_file /p\nlistener 8883\n");
    ASSERT_EQ(d.listeners.size(), 2u);
    EXPECT_EQ(d.listeners[1].port, 1883);
    EXPECT_EQ(d.listeners[1].security.password_file, "/p");
    EXPECT_TRUE(d.listeners[0].security.password_file.empty());
}

TEST(ConfigListeners, LocalOnlyModeKeepsTheDefaultListenerOnLoopback) {
    // Mosquitto would open 1883 on every interface here (still allowing anonymous clients); tapmq stays
    // on 127.0.0.1.
    Config c = parse("max_qos 1\n");
    EXPECT_TRUE(c.local_only);
    ASSERT_EQ(c.listeners.size(), 1u);
    EXPECT_EQ(c.listeners[0].bind_address, "127.0.0.1");
    EXPECT_EQ(c.listeners[0].max_qos, 1);
    EXPECT_TRUE(c.listeners[0].security.allow_anonymous);

    // An explicit allow_anonymous false is honoured (Mosquitto 2.0 allows anonymous clients anyway).
    c = parse("allow_anonymous false\npassword_file /p\n");
    EXPECT_TRUE(c.local_only);
    EXPECT_FALSE(c.listeners[0].security.allow_anonymous);
    EXPECT_EQ(c.listeners[0].security.password_file, "/p");
}

TEST(ConfigListeners, GlobalSecurityAppliesToEveryListener) {
    const Config c = parse(
        "listener 1883\npassword_file /p\nlistener 1884\nallow_anonymous true\nacl_file /acl\n"
        "allow_zero_length_clientid false\nauto_id_prefix x-\n");
    EXPECT_FALSE(c.per_listener_settings);
    ASSERT_EQ(c.listeners.size(), 2u);
    for (const auto& l : c.listeners) {
        EXPECT_EQ(l.security.password_file, "/p");
        EXPECT_EQ(l.security.acl_file, "/acl");
        EXPECT_TRUE(l.security.allow_anonymous);
        EXPECT_FALSE(l.security.allow_zero_length_clientid);
        EXPECT_EQ(l.security.auto_id_prefix, "x-");
    }
    EXPECT_EQ(c.security.password_file, "/p");
}

TEST(ConfigListeners, UnixSocketListeners) {
    const Config c = parse("listener 0 /run/a.sock\nlistener 0 /run/b.sock\nlistener 1883\n");
    ASSERT_EQ(c.listeners.size(), 3u);
    EXPECT_EQ(c.listeners[0].port, 0);
    EXPECT_EQ(c.listeners[0].unix_socket, "/run/a.sock");
    EXPECT_TRUE(c.listeners[0].bind_address.empty());
    EXPECT_EQ(c.listeners[1].unix_socket, "/run/b.sock");
    EXPECT_TRUE(c.listeners[2].unix_socket.empty());
}

TEST(ConfigListeners, PskListenerWithoutCertificate) {
    // psk_hint alone makes a TLS listener; psk_file is a security setting (global here).
    const Config c = parse("psk_file /etc/psk\nlistener 8883\npsk_hint devices\nlistener 1883\n");
    ASSERT_EQ(c.listeners.size(), 2u);
    EXPECT_TRUE(c.listeners[0].tls());
    EXPECT_TRUE(c.listeners[0].certfile.empty());
    EXPECT_EQ(c.listeners[0].security.psk_file, "/etc/psk");
    EXPECT_FALSE(c.listeners[1].tls());
    // Beside another listener, psk_hint before any listener starts the default one, as Mosquitto.
    const Config d = parse("psk_hint devices\nlistener 8883\n");
    ASSERT_EQ(d.listeners.size(), 2u);
    EXPECT_EQ(d.listeners[1].port, 1883);
    EXPECT_TRUE(d.listeners[1].tls());
}

TEST(ConfigListeners, PerListenerSettings) {
    const Config c = parse(
        "listener 1883\n"
        "per_listener_settings true\n"  // after a listener, but before any security setting: fine
        "allow_anonymous true\n"
        "listener 8883\n"
        "password_file /p\n"
        "acl_file /acl\n"
        "auto_id_prefix tls-\n"
        "listener 9001\n"
        "allow_zero_length_clientid false\n"
        "per_listener_settings false\n");  // cannot be turned off: warned
    EXPECT_TRUE(c.per_listener_settings);
    ASSERT_EQ(c.listeners.size(), 3u);
    EXPECT_TRUE(c.listeners[0].security.allow_anonymous);
    EXPECT_TRUE(c.listeners[0].security.password_file.empty());
    EXPECT_FALSE(c.listeners[1].security.allow_anonymous);
    EXPECT_EQ(c.listeners[1].security.password_file, "/p");
    EXPECT_EQ(c.listeners[1].security.acl_file, "/acl");
    EXPECT_EQ(c.listeners[1].security.auto_id_prefix, "tls-");
    EXPECT_FALSE(c.listeners[2].security.allow_anonymous);
    EXPECT_FALSE(c.listeners[2].security.allow_zero_length_clientid);
    EXPECT_EQ(c.listeners[2].security.auto_id_prefix, "auto-");
    EXPECT_TRUE(c.security.password_file.empty());
    ASSERT_EQ(c.warnings.size(), 1u);
    EXPECT_TRUE(
        c.warnings[0].starts_with("test.conf:10: directive 'per_listener_settings': cannot be turned off"));

    // The same file name twice is a duplicate only within one listener.
    const Config d =
        parse("per_listener_settings true\nlistener 1\npassword_file /p\nlistener 2\npassword_file /p\n");
    EXPECT_EQ(d.listeners[1].security.password_file, "/p");
}

TEST(ConfigListeners, AuthScramFileGlobalOrPerListener) {
    Config c = parse("listener 1883\nauth_scram_file /etc/tapmq/scram\nlistener 1884\n");
    ASSERT_EQ(c.listeners.size(), 2u);
    for (const auto& l : c.listeners)
        EXPECT_EQ(l.security.auth_scram_file, "/etc/tapmq/scram");
    c = parse("per_listener_settings true\nlistener 1883\nlistener 8883\nauth_scram_file /s\n");
    EXPECT_TRUE(c.listeners[0].security.auth_scram_file.empty());
    EXPECT_EQ(c.listeners[1].security.auth_scram_file, "/s");
    EXPECT_THROW(parse("auth_scram_file\n"), ConfigError);
    EXPECT_THROW(parse("auth_scram_file /a\nauth_scram_file /b\n"), ConfigError);  // given twice
}

TEST(ConfigListeners, LoggingDirectivesAccumulate) {
    Config c = parse(
        "log_dest file /var/log/my broker.log\nlog_dest stdout\nlog_dest stdout\nlog_type error\n"
        "log_type debug\n");
    EXPECT_EQ(c.log_dest, (std::vector<std::string>{"file", "stdout"}));
    EXPECT_EQ(c.log_file, "/var/log/my broker.log");
    EXPECT_EQ(c.log_type, (std::vector<std::string>{"error", "debug"}));

    c = parse("log_dest stdout\nlog_dest none\nlog_type all\n");
    EXPECT_TRUE(c.log_dest.empty());
    EXPECT_EQ(c.log_type.size(), 9u);

    c = parse("log_type all\nlog_type none\nlog_type subscribe\n");
    EXPECT_EQ(c.log_type, (std::vector<std::string>{"subscribe"}));
}

// ---- every Mosquitto 2.0 directive is accepted
// ---------------------------------------------------------------

TEST(ConfigMosquitto, EveryMosquitto20DirectiveIsKnown) {
    // The names mosquitto 2.0.11 accepts (checked against the binary), each with a valid value.
    const char* lines[] = {
        "acl_file /acl",
        "allow_anonymous true",
        "allow_duplicate_messages true",
        "allow_zero_length_clientid true",
        "auto_id_prefix a-",
        "autosave_interval 10",
        "autosave_on_changes false",
        "bind_address 127.0.0.1",
        "bind_interface lo",
        "cafile /ca",
        "capath /ca",
        "certfile /c",
        "check_retain_source true",
        "ciphers A",
        "ciphers_tls1.3 B",
        "clientid_prefixes p",
        "connection_messages true",
        "crlfile /crl",
        "dhparamfile /dh",
        "http_dir /www",
        "keyfile /k",
        "log_dest stdout",
        "log_facility 1",
        "log_timestamp true",
        "log_timestamp_format %s",
        "log_type all",
        "max_connections 5",
        "max_inflight_bytes 1",
        "max_inflight_messages 1",
        "max_keepalive 60",
        "max_packet_size 100",
        "max_qos 1",
        "maximum_qos 1",
        "max_queued_bytes 1",
        "max_queued_messages 1",
        "max_topic_alias 1",
        "memory_limit 1",
        "message_size_limit 1",
        "mount_point m/",
        "password_file /p",
        "per_listener_settings false",
        "persistence true",
        "persistence_file f",
        "persistence_location /l",
        "persistent_client_expiration 1d",
        "pid_file /pid",
        "port 1884",
        "protocol mqtt",
        "psk_file /psk",
        "psk_hint h",
        "queue_qos0_messages true",
        "require_certificate false",
        "retain_available true",
        "retained_persistence true",
        "retry_interval 1",
        "set_tcp_nodelay true",
        "socket_domain ipv6",
        "sys_interval 1",
        "tls_engine e",
        "tls_engine_kpass_sha1 x",
        "tls_keyform pem",
        "tls_version tlsv1.2",
        "upgrade_outgoing_qos true",
        "use_identity_as_username false",
        "use_subject_as_username false",
        "use_username_as_clientid false",
        "user u",
        "websockets_headers_size 1",
        "websockets_log_level 1",
        // plugins
        "auth_plugin /a.so\nauth_opt_k v\nauth_plugin_deny_special_chars true",
        "plugin /a.so\nplugin_opt_k v",
        // bridges
        "connection b\naddress h\ntopic t\nconnection c\naddresses h2\ntopic t",
    };
    // Known means implemented, or refused with the reason: never "unknown directive".
    for (const char* l : lines) {
        SCOPED_TRACE(l);
        try {
            (void)parse(std::string("listener 1883\n") + l + "\n");
        } catch (const ConfigError& e) {
            EXPECT_NE(e.message.find("not supported by tapmqd: "), std::string::npos) << e.what();
        }
    }
    const char* bridge_lines[] = {
        "bridge_alpn a",
        "bridge_attempt_unsubscribe true",
        "bridge_bind_address 1.2.3.4",
        "bridge_cafile /c",
        "bridge_capath /c",
        "bridge_certfile /c",
        "bridge_identity i",
        "bridge_insecure false",
        "bridge_keyfile /k",
        "bridge_max_packet_size 100",
        "bridge_outgoing_retain true",
        "bridge_protocol_version mqttv311",
        "bridge_psk 0102",
        "bridge_require_ocsp false",
        "bridge_tls_version tlsv1.2",
        "cleansession false",
        "clientid c",
        "remote_clientid c",
        "idle_timeout 60",
        "keepalive_interval 60",
        "local_cleansession true",
        "local_clientid l",
        "local_password p",
        "local_username u",
        "notification_topic n",
        "notifications true",
        "notifications_local_only false",
        "password p",
        "remote_password p",
        "restart_timeout 5",
        "round_robin false",
        "start_type once",
        "threshold 5",
        "try_private true",
        "username u",
        "remote_username u",
    };
    for (const char* l : bridge_lines) {  // known, and only valid in a bridge section
        SCOPED_TRACE(l);
        const auto e = parse_error(std::string("listener 1883\n") + l + "\n");
        EXPECT_TRUE(contains(e.message, "only valid in a bridge section")) << e.message;
    }
}

TEST(ConfigMosquitto, LaterMosquittoDirectivesAreUnknown) {
    // Mosquitto 2.0.11 rejects these too.
    for (const char* name :
         {"global_plugin", "accept_protocol_versions", "global_max_connections", "websockets_origin"}) {
        SCOPED_TRACE(name);
        const auto e = parse_error(std::string("listener 1883\n") + name + " 1\n");
        EXPECT_EQ(e.message, "unknown directive");
    }
}

// ---- include_dir
// -------------------------------------------------------------------------------------------

TEST(ConfigInclude, MosquittoFileOrder) {
    TempDir dir;
    const char* names[] = {"b", "A", "01", "a", "B", "00", "_x", "Z", "z"};
    int port = 2000;
    for (const char* n : names)
        dir.write(std::string("conf.d/") + n + ".conf", "listener " + std::to_string(port++) + "\n");
    dir.write("conf.d/.conf", "listener 1\n");        // too short a name: skipped (as Mosquitto)
    dir.write("conf.d/notes.txt", "not a config\n");  // not *.conf: skipped
    dir.write("conf.d/x.conf.bak", "not a config\n");
    const auto main = dir.write("main.conf", "include_dir " + (dir.path() / "conf.d").string() + "\n");
    const Config c = load_config(main);
    std::vector<std::string> order;
    for (const auto& l : c.listeners)
        order.push_back(fs::path(l.file).filename().string());
    EXPECT_EQ(order, (std::vector<std::string>{"00.conf", "01.conf", "A.conf", "a.conf", "B.conf", "b.conf",
                                               "Z.conf", "z.conf", "_x.conf"}));
}

TEST(ConfigInclude, ErrorsInIncludedFilesKeepTheirNameAndLine) {
    TempDir dir;
    dir.write("conf.d/a.conf", "listener 1884\n");
    const auto bad = dir.write("conf.d/b.conf", "# listeners\n\nlistener 1885\nmax_qos 7\n");
    const auto main =
        dir.write("main.conf", "listener 1883\ninclude_dir " + (dir.path() / "conf.d").string() + "\n");
    try {
        (void)load_config(main);
        ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.file, bad.string());
        EXPECT_EQ(e.line, 4);
        EXPECT_EQ(e.directive, "max_qos");
    }
}

TEST(ConfigInclude, StateIsPerFile) {
    // Mosquitto keeps the current listener and bridge per file: listener settings at the top of an
    // included file go to the default listener, and bridge settings need their own file's bridge.
    TempDir dir;
    const auto topic = dir.write("bridge.d/b.conf", "topic # both\n");
    const auto main =
        dir.write("main.conf", "listener 1883\ninclude_dir " + (dir.path() / "bridge.d").string() + "\n");
    try {
        (void)load_config(main);
        ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.file, topic.string());
        EXPECT_EQ(e.line, 1);
        EXPECT_EQ(e.directive, "topic");
        EXPECT_TRUE(contains(e.message, "only valid in a bridge section"));
    }

    dir.write("tls.d/a.conf", "max_qos 1\n");
    const auto main2 =
        dir.write("main2.conf", "listener 8883\ninclude_dir " + (dir.path() / "tls.d").string() + "\n");
    const Config c = load_config(main2);
    ASSERT_EQ(c.listeners.size(), 2u);
    EXPECT_EQ(c.listeners[0].max_qos, 2);
    EXPECT_EQ(c.listeners[1].port, 1883);
    EXPECT_EQ(c.listeners[1].max_qos, 1);
}

TEST(ConfigInclude, OnlyFromTheMainFile) {
    TempDir dir;
    const auto inc = dir.write("conf.d/a.conf", "listener 1884\ninclude_dir /nonexistent\n");
    const auto main = dir.write("main.conf", "include_dir " + (dir.path() / "conf.d").string() + "\n");
    const Config c = load_config(main);
    ASSERT_EQ(c.warnings.size(), 1u);
    EXPECT_EQ(c.warnings[0],
              inc.string() +
                  ":2: directive 'include_dir': only processed in the main configuration file (as "
                  "Mosquitto); ignored");
}

TEST(ConfigInclude, DirectoryProblems) {
    TempDir dir;
    dir.write("empty.d/readme.txt", "");
    auto main = dir.write("a.conf", "listener 1883\ninclude_dir " + (dir.path() / "empty.d").string() + "\n");
    EXPECT_EQ(load_config(main).listeners.size(), 1u);

    fs::create_directories(dir.path() / "dirs.d" / "sub.conf");
    main = dir.write("b.conf", "listener 1883\ninclude_dir " + (dir.path() / "dirs.d").string() + "\n");
    try {
        (void)load_config(main);
        ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.file, main.string());
        EXPECT_EQ(e.line, 2);
        EXPECT_EQ(e.directive, "include_dir");
        EXPECT_TRUE(contains(e.message, "is a directory"));
    }

    // The included directory must not hold the main file.
    main = dir.write("self.d/main.conf",
                     "listener 1883\ninclude_dir " + (dir.path() / "self.d").string() + "\n");
    try {
        (void)load_config(main);
        ADD_FAILURE() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.line, 2);
        EXPECT_TRUE(contains(e.message, "contains the main configuration file"));
    }

    // parse_config with includes disabled (fuzzing): warned, not followed.
    ParseOptions no_includes;
    no_includes.follow_include_dir = false;
    const Config c = parse_config("include_dir /nonexistent\n", "fuzz", no_includes);
    ASSERT_EQ(c.warnings.size(), 1u);
    EXPECT_TRUE(c.warnings[0].starts_with("fuzz:1: directive 'include_dir': includes are disabled"));
}

// ---- a realistic Mosquitto configuration
// -----------------------------------------------------------------------

TEST(ConfigRealistic, MosquittoConfWithIncludesTlsAndABridge) {
    TempDir dir;
    const fs::path confd = dir.path() / "conf.d";
    const auto websockets = dir.write("conf.d/10-websockets.conf",
                                      "# Browser clients\n"
                                      "listener 9001\n"
                                      "protocol websockets\n"
                                      "allow_anonymous false\n"
                                      "password_file /etc/mosquitto/passwd\n"
                                      "max_qos 1\n");
    const auto bridge = dir.write("conf.d/20-bridge.conf",
                                  "# Bridge to the cloud broker\n"
                                  "connection cloud-bridge\n"
                                  "address mqtt.example.com:8883\n"
                                  "remote_username bridge\n"
                                  "remote_password secret\n"
                                  "bridge_cafile /etc/mosquitto/ca_certificates/cloud-ca.crt\n"
                                  "bridge_protocol_version mqttv311\n"
                                  "bridge_insecure false\n"
                                  "cleansession false\n"
                                  "topic sensors/# out 1 \"\" site1/\n"
                                  "topic commands/# in 1 site1/ \"\"\n"
                                  "start_type automatic\n"
                                  "notifications true\n"
                                  "try_private true\n");
    dir.write("conf.d/README", "files not ending in .conf are not read\n");
    const auto main = dir.write("mosquitto.conf",
                                "# Place your local configuration in /etc/mosquitto/conf.d/\n"
                                "#\n"
                                "# A full description of the configuration file is at\n"
                                "# /usr/share/doc/mosquitto/examples/mosquitto.conf.example\n"
                                "\n"
                                "per_listener_settings true\n"
                                "\n"
                                "pid_file /run/mosquitto/mosquitto.pid\n"
                                "user mosquitto\n"
                                "\n"
                                "persistence true\n"
                                "persistence_location /var/lib/mosquitto/\n"
                                "autosave_interval 900\n"
                                "persistent_client_expiration 14d\n"
                                "\n"
                                "log_dest file /var/log/mosquitto/mosquitto.log\n"
                                "log_dest stdout\n"
                                "log_type error\n"
                                "log_type warning\n"
                                "log_type notice\n"
                                "log_timestamp_format %Y-%m-%dT%H:%M:%S\n"
                                "connection_messages true\n"
                                "\n"
                                "max_inflight_messages 40\n"
                                "max_queued_messages 5000\n"
                                "max_packet_size 1048576\n"
                                "message_size_limit 262144\n"
                                "max_keepalive 300\n"
                                "sys_interval 30\n"
                                "set_tcp_nodelay true\n"
                                "\n"
                                "# Plain listener, local clients only\n"
                                "listener 1883 127.0.0.1\n"
                                "allow_anonymous true\n"
                                "\n"
                                "# TLS listener for devices\n"
                                "listener 8883\n"
                                "protocol mqtt\n"
                                "cafile /etc/mosquitto/ca_certificates/ca.crt\n"
                                "certfile /etc/mosquitto/certs/server.crt\n"
                                "keyfile /etc/mosquitto/certs/server.key\n"
                                "tls_version tlsv1.2\n"
                                "ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256\n"
                                "require_certificate true\n"
                                "use_identity_as_username true\n"
                                "allow_anonymous false\n"
                                "password_file /etc/mosquitto/passwd\n"
                                "acl_file /etc/mosquitto/acl\n"
                                "max_connections 10000\n"
                                "\n"
                                "include_dir " +
                                    confd.string() + "\n");

    // The bridge section of the included file is read as Mosquitto reads it.
    const Config c = load_config(main);
    ASSERT_EQ(c.bridges.size(), 1u);
    const auto& b = c.bridges[0];
    EXPECT_EQ(b.file, bridge.string());
    EXPECT_EQ(b.line, 2);
    EXPECT_EQ(b.name, "cloud-bridge");
    ASSERT_EQ(b.addresses.size(), 1u);
    EXPECT_EQ(b.addresses[0].port, 8883);
    EXPECT_EQ(b.remote_username, "bridge");
    EXPECT_TRUE(b.tls());
    ASSERT_EQ(b.topics.size(), 2u);
    EXPECT_EQ(b.topics[0].remote_topic, "site1/sensors/#");
    EXPECT_EQ(b.topics[1].local_topic, "site1/commands/#");

    EXPECT_FALSE(c.local_only);
    EXPECT_TRUE(c.per_listener_settings);
    EXPECT_EQ(c.pid_file, "/run/mosquitto/mosquitto.pid");
    EXPECT_EQ(c.user, "mosquitto");
    EXPECT_TRUE(c.persistence);
    EXPECT_EQ(c.persistence_location, "/var/lib/mosquitto/");
    EXPECT_EQ(c.persistent_client_expiration, 14u * 86400u);
    EXPECT_EQ(c.log_dest, (std::vector<std::string>{"file", "stdout"}));
    EXPECT_EQ(c.log_file, "/var/log/mosquitto/mosquitto.log");
    EXPECT_EQ(c.log_type, (std::vector<std::string>{"error", "warning", "notice"}));
    EXPECT_EQ(c.log_timestamp_format, "%Y-%m-%dT%H:%M:%S");
    EXPECT_EQ(c.max_inflight_messages, 40);
    EXPECT_EQ(c.max_queued_messages, 5000u);
    EXPECT_EQ(c.max_packet_size, 1048576u);
    EXPECT_EQ(c.message_size_limit, 262144u);
    EXPECT_EQ(c.max_keepalive, 300);
    EXPECT_EQ(c.sys_interval, 30u);
    EXPECT_TRUE(c.set_tcp_nodelay);

    ASSERT_EQ(c.listeners.size(), 3u);
    const auto& plain = c.listeners[0];
    EXPECT_EQ(plain.port, 1883);
    EXPECT_EQ(plain.bind_address, "127.0.0.1");
    EXPECT_EQ(plain.file, main.string());
    EXPECT_EQ(plain.line, 33);
    EXPECT_TRUE(plain.security.allow_anonymous);
    EXPECT_TRUE(plain.security.password_file.empty());
    EXPECT_FALSE(plain.tls());

    const auto& tls = c.listeners[1];
    EXPECT_EQ(tls.port, 8883);
    EXPECT_EQ(tls.bind_address, "");
    EXPECT_EQ(tls.line, 37);
    EXPECT_TRUE(tls.tls());
    EXPECT_EQ(tls.cafile, "/etc/mosquitto/ca_certificates/ca.crt");
    EXPECT_EQ(tls.certfile, "/etc/mosquitto/certs/server.crt");
    EXPECT_EQ(tls.keyfile, "/etc/mosquitto/certs/server.key");
    EXPECT_EQ(tls.tls_version, "tlsv1.2");
    EXPECT_EQ(tls.ciphers, "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256");
    EXPECT_TRUE(tls.require_certificate);
    EXPECT_TRUE(tls.use_identity_as_username);
    EXPECT_FALSE(tls.security.allow_anonymous);
    EXPECT_EQ(tls.security.password_file, "/etc/mosquitto/passwd");
    EXPECT_EQ(tls.security.acl_file, "/etc/mosquitto/acl");
    EXPECT_EQ(tls.max_connections, 10000u);

    const auto& ws = c.listeners[2];
    EXPECT_EQ(ws.port, 9001);
    EXPECT_EQ(ws.file, websockets.string());
    EXPECT_EQ(ws.line, 2);
    EXPECT_EQ(ws.protocol, "websockets");
    EXPECT_EQ(ws.max_qos, 1);
    EXPECT_FALSE(ws.security.allow_anonymous);
    EXPECT_EQ(ws.security.password_file, "/etc/mosquitto/passwd");

    EXPECT_TRUE(c.warnings.empty());
}

}  // namespace
}  // namespace tapmq::broker
