// StateDir (creation mode, atomic writes, reads, errors naming the path) and CRC-32.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "relay/crc32.hpp"
#include "relay/state_dir.hpp"
#include "test_relay_util.hpp"

namespace tapmq::relay {
namespace {

using test::TempDir;

std::span<const std::byte> bytes(std::string_view s) {
    return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
}

TEST(RelayCrc32, KnownVectors) {
    EXPECT_EQ(crc32(bytes("123456789")), 0xCBF43926u);
    EXPECT_EQ(crc32(bytes("")), 0u);
    EXPECT_EQ(crc32(crc32(bytes("12345")), bytes("6789")), 0xCBF43926u);
}

TEST(RelayStateDir, CreatesMissingDirectoriesWithMode0700) {
    TempDir tmp;
    StateDir d(tmp.path() / "a" / "b" / "tap1");
    EXPECT_TRUE(std::filesystem::is_directory(d.path()));
    EXPECT_EQ(mode_of(d.path()), 0700u);
    EXPECT_EQ(mode_of(tmp.path() / "a"), 0700u);
    StateDir again(tmp.path() / "a" / "b" / "tap1/");  // exists: fine, trailing slash too
    EXPECT_EQ(again.path(), d.path());
}

TEST(RelayStateDir, AtomicWriteAndRead) {
    TempDir tmp;
    StateDir d(tmp.path() / "s");
    EXPECT_FALSE(d.read("settings.json"));
    EXPECT_FALSE(d.exists("settings.json"));
    d.write_atomic("settings.json", std::string_view("{\"a\":1}"));
    EXPECT_EQ(d.read_text("settings.json"), "{\"a\":1}");
    EXPECT_EQ(mode_of(d.file("settings.json")), 0600u);
    d.write_atomic("settings.json", std::string_view("{}"));
    EXPECT_EQ(d.read_text("settings.json"), "{}");
    EXPECT_FALSE(std::filesystem::exists(d.file("settings.json.tmp")));

    std::string binary("\0\xff\x01", 3);
    d.write_atomic("blob", bytes(binary));
    auto back = d.read("blob");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->size(), 3u);
    EXPECT_EQ(std::to_integer<int>((*back)[1]), 0xff);
    d.write_atomic("empty", std::string_view());
    EXPECT_EQ(d.read_text("empty"), "");

    EXPECT_TRUE(d.remove("blob"));
    EXPECT_FALSE(d.remove("blob"));
    EXPECT_FALSE(d.exists("blob"));
}

TEST(RelayStateDir, LeftoverTempFileIsHarmless) {
    TempDir tmp;
    StateDir d(tmp.path());
    test::spit(d.file("x.tmp"), "half a write");
    EXPECT_FALSE(d.read("x"));
    d.write_atomic("x", std::string_view("whole"));
    EXPECT_EQ(d.read_text("x"), "whole");
}

TEST(RelayStateDir, RejectsNamesThatAreNotPlainFileNames) {
    TempDir tmp;
    StateDir d(tmp.path());
    EXPECT_THROW(d.file("../x"), std::invalid_argument);
    EXPECT_THROW(d.file("a/b"), std::invalid_argument);
    EXPECT_THROW(d.file(".."), std::invalid_argument);
    EXPECT_THROW(d.file(""), std::invalid_argument);
    EXPECT_NO_THROW(d.file(".hidden"));
}

TEST(RelayStateDir, ErrorsNameThePathAndTheErrno) {
    TempDir tmp;
    test::spit(tmp.path() / "plain", "x");
    try {
        StateDir d(tmp.path() / "plain");
        FAIL();
    } catch (const StateError& e) {
        EXPECT_NE(std::string(e.what()).find((tmp.path() / "plain").string()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("not a directory"), std::string::npos) << e.what();
    }
    try {
        StateDir d(tmp.path() / "plain" / "sub");
        FAIL();
    } catch (const StateError& e) {
        EXPECT_EQ(e.err(), ENOTDIR);
        EXPECT_NE(std::string(e.what()).find("Not a directory"), std::string::npos) << e.what();
    }
    StateDir d(tmp.path() / "d");
    std::filesystem::create_directory(d.file("dir"));
    try {
        d.read("dir");
        FAIL();
    } catch (const StateError& e) {
        EXPECT_EQ(e.err(), EISDIR);
        EXPECT_NE(std::string(e.what()).find(d.file("dir").string()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("Is a directory"), std::string::npos) << e.what();
    }
    if (::geteuid() != 0) {  // root ignores permissions
        std::filesystem::permissions(d.path(),
                                     std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
        try {
            d.write_atomic("x", std::string_view("y"));
            FAIL();
        } catch (const StateError& e) {
            EXPECT_EQ(e.err(), EACCES);
            EXPECT_NE(std::string(e.what()).find("x.tmp: open: Permission denied"), std::string::npos)
                << e.what();
        }
    }
}

TEST(RelayStateDir, LockIsExclusive) {
    TempDir tmp;
    StateDir d(tmp.path());
    {
        auto held = d.lock();
        try {
            auto again = StateDir(tmp.path()).lock();
            FAIL();
        } catch (const StateError& e) {
            EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
        }
    }
    EXPECT_NO_THROW(d.lock());  // released with the first holder
}

}  // namespace
}  // namespace tapmq::relay
