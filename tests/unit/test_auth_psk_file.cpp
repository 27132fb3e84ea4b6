// PskFile: Mosquitto's psk_file (identity:hexkey lines).
#include <gtest/gtest.h>

#include "auth/psk_file.hpp"

namespace tapmq::auth {
namespace {

TEST(PskFile, IdentitiesAndKeys) {
    const PskFile f = PskFile::parse("# devices\n\n  sensor1 : 0102abCD \r\nsensor2:abc\nzero:00ff\n", "psk");
    EXPECT_EQ(f.size(), 3u);
    EXPECT_EQ(f.key("sensor1"), std::string_view("\x01\x02\xab\xcd", 4));
    EXPECT_EQ(f.key("sensor2"), std::string_view("\x0a\xbc", 2));  // odd: as if a 0 led
    EXPECT_EQ(f.key("zero"), std::string_view("\x00\xff", 2));
    EXPECT_FALSE(f.key("sensor3").has_value());
    EXPECT_TRUE(f.warnings().empty());
}

TEST(PskFile, LastLineWinsWithAWarning) {
    const PskFile f = PskFile::parse("a:01\na:02\n", "psk");
    EXPECT_EQ(f.key("a"), std::string_view("\x02", 1));
    ASSERT_EQ(f.warnings().size(), 1u);
    EXPECT_EQ(f.warnings()[0], "psk:2: identity 'a' already listed at line 1; this line wins");
}

TEST(PskFile, MalformedLinesNameFileAndLineNotTheKey) {
    const struct {
        const char* text;
        std::size_t line;
        const char* reason;
    } cases[] = {
        {"a:01\nnocolon\n", 2, "no ':' between identity and key"},
        {" :01\n", 1, "empty identity"},
        {"a:0x01\n", 1, "is not 1 to 512 bytes of hexadecimal"},
        {"a:\n", 1, "is not 1 to 512 bytes of hexadecimal"},
        {"a:secretzz\n", 1, "is not 1 to 512 bytes of hexadecimal"},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.text);
        try {
            (void)PskFile::parse(k.text, "psk");
            ADD_FAILURE() << "no error";
        } catch (const AuthFileError& e) {
            EXPECT_EQ(e.file(), "psk");
            EXPECT_EQ(e.line(), k.line);
            EXPECT_NE(e.reason().find(k.reason), std::string::npos) << e.reason();
            EXPECT_EQ(e.reason().find("secret"), std::string::npos);
        }
    }
    EXPECT_THROW((void)PskFile::parse("a:" + std::string(1026, 'f') + "\n", "psk"), AuthFileError);
    EXPECT_NO_THROW((void)PskFile::parse("a:" + std::string(1024, 'f') + "\n", "psk"));
}

}  // namespace
}  // namespace tapmq::auth
