// FirmwareUpdate (LwM2M object 5): downloads in parts, resume after a restart, refused parts,
// verification (size, SHA-256, manifest), install across a restart, and the Tap codes.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <string>
#include <vector>

#include "relay/firmware_update.hpp"
#include "test_relay_util.hpp"

namespace tapmq::relay {
namespace {

using test::TempDir;
using FU = FirmwareUpdate;
using P = FU::PartStatus;
using U = FU::UpdateStatus;

std::vector<std::byte> be32(std::uint32_t v) {
    return {std::byte(v >> 24), std::byte(v >> 16), std::byte(v >> 8), std::byte(v)};
}

std::vector<std::byte> sha256(std::string_view s) {
    std::vector<std::byte> d(32);
    unsigned len = 0;
    EVP_Digest(s.data(), s.size(), reinterpret_cast<unsigned char*>(d.data()), &len, EVP_sha256(), nullptr);
    return d;
}

std::vector<std::byte> start_part(std::string_view package) {
    auto p = be32(0xFFFFFFFF);
    auto size = be32(static_cast<std::uint32_t>(package.size()));
    auto h = sha256(package);
    p.insert(p.end(), size.begin(), size.end());
    p.insert(p.end(), h.begin(), h.end());
    return p;
}

std::vector<std::byte> data_part(std::string_view package, std::size_t offset, std::size_t n) {
    auto p = be32(static_cast<std::uint32_t>(offset));
    auto s = package.substr(offset, n);
    for (char c : s)
        p.push_back(std::byte(static_cast<unsigned char>(c)));
    return p;
}

const std::string kPackage = R"({"type":"tapmq-firmware","version":"1.1.0","notes":"adds the thing"})";

// Sends the start part and the package in parts of `step` bytes from `from` on.
void send(FU& fu, std::string_view package, std::size_t step, std::size_t from = 0) {
    if (from == 0) {
        ASSERT_EQ(fu.write_package(start_part(package)), P::Accepted);
    }
    for (std::size_t off = from; off < package.size(); off += step) {
        ASSERT_EQ(fu.write_package(data_part(package, off, step)), P::Accepted) << off;
    }
}

TEST(RelayFirmware, FreshObject) {
    TempDir tmp;
    FU fu(StateDir(tmp.path()));
    EXPECT_EQ(fu.state(), FU::State::Idle);
    EXPECT_EQ(fu.result(), FU::Result::Initial);
    EXPECT_EQ(fu.version(), "1.0.0");
    EXPECT_EQ(fu.progress(), (std::array<std::byte, 8>{}));
    EXPECT_EQ(fu.update(), U::NothingDownloaded);
    EXPECT_EQ(fu.write_package(data_part(kPackage, 0, 4)), P::NoDownload);
}

TEST(RelayFirmware, DownloadUpdateRestart) {
    TempDir tmp;
    {
        FU fu(StateDir(tmp.path()));
        ASSERT_EQ(fu.write_package(start_part(kPackage)), P::Accepted);
        EXPECT_EQ(fu.state(), FU::State::Downloading);
        EXPECT_EQ(fu.total_size(), kPackage.size());
        send(fu, kPackage, 7);
        EXPECT_EQ(fu.state(), FU::State::Downloaded);
        EXPECT_EQ(fu.next_offset(), kPackage.size());
        auto prog = fu.progress();
        EXPECT_EQ(std::to_integer<int>(prog[3]), static_cast<int>(kPackage.size()));
        EXPECT_EQ(std::to_integer<int>(prog[7]), static_cast<int>(kPackage.size()));
        EXPECT_EQ(fu.update(), U::Restart);
        EXPECT_EQ(fu.state(), FU::State::Updating);
        EXPECT_EQ(fu.pending_version(), "1.1.0");
        EXPECT_EQ(fu.version(), "1.0.0");  // still running the old one until the restart
        EXPECT_EQ(fu.write_package(start_part(kPackage)), P::Busy);
        EXPECT_EQ(fu.update(), U::Busy);
    }
    FU fu(StateDir(tmp.path()));
    EXPECT_EQ(fu.version(), "1.1.0");
    EXPECT_EQ(fu.state(), FU::State::Idle);
    EXPECT_EQ(fu.result(), FU::Result::Success);
    EXPECT_FALSE(std::filesystem::exists(tmp.path() / "firmware.package"));
    FU again(StateDir(tmp.path()));
    EXPECT_EQ(again.version(), "1.1.0");
    EXPECT_EQ(again.result(), FU::Result::Success);
}

TEST(RelayFirmware, FinishUpdateWithoutReopening) {
    TempDir tmp;
    FU fu(StateDir(tmp.path()));
    send(fu, kPackage, 1000);
    ASSERT_EQ(fu.update(), U::Restart);
    fu.finish_update();
    EXPECT_EQ(fu.version(), "1.1.0");
    EXPECT_EQ(fu.result(), FU::Result::Success);
    EXPECT_EQ(fu.state(), FU::State::Idle);
}

TEST(RelayFirmware, ResumesAfterRestartFromTheLastCheckpoint) {
    TempDir tmp;
    std::string package =
        R"({"type":"tapmq-firmware","version":"2.0.0","pad":")" + std::string(200, 'p') + "\"}";
    FU::Options o;
    o.checkpoint_bytes = 64;
    {
        FU fu(StateDir(tmp.path()), o);
        ASSERT_EQ(fu.write_package(start_part(package)), P::Accepted);
        for (std::size_t off = 0; off < 100; off += 10) {
            ASSERT_EQ(fu.write_package(data_part(package, off, 10)), P::Accepted);
        }
        EXPECT_EQ(fu.next_offset(), 100u);
    }  // "crash": bytes after the checkpoint at 70 are forgotten
    FU fu(StateDir(tmp.path()), o);
    EXPECT_EQ(fu.state(), FU::State::Downloading);
    EXPECT_EQ(fu.next_offset(), 70u);
    EXPECT_EQ(std::filesystem::file_size(tmp.path() / "firmware.package"), 70u);
    EXPECT_EQ(fu.write_package(data_part(package, 90, 10)), P::OutOfOrder);
    EXPECT_EQ(fu.write_package(start_part(package)), P::Accepted);  // same package: kept
    EXPECT_EQ(fu.next_offset(), 70u);
    send(fu, package, 10, 70);
    EXPECT_EQ(fu.state(), FU::State::Downloaded);
    EXPECT_EQ(fu.update(), U::Restart);
    fu.finish_update();
    EXPECT_EQ(fu.version(), "2.0.0");
}

TEST(RelayFirmware, RefusedParts) {
    TempDir tmp;
    FU fu(StateDir(tmp.path()));
    ASSERT_EQ(fu.write_package(start_part(kPackage)), P::Accepted);
    ASSERT_EQ(fu.write_package(data_part(kPackage, 0, 20)), P::Accepted);
    EXPECT_EQ(fu.write_package(data_part(kPackage, 0, 20)), P::Accepted);   // resent
    EXPECT_EQ(fu.write_package(data_part(kPackage, 10, 20)), P::Accepted);  // overlaps, extends
    EXPECT_EQ(fu.next_offset(), 30u);
    EXPECT_EQ(fu.write_package(data_part(kPackage, 31, 5)), P::OutOfOrder);
    auto other = data_part(kPackage, 25, 10);
    other[4 + 2] = std::byte{'#'};  // differs from what offset 27 holds
    EXPECT_EQ(fu.write_package(other), P::Inconsistent);
    EXPECT_EQ(fu.next_offset(), 30u);
    auto beyond = be32(static_cast<std::uint32_t>(kPackage.size() - 2));
    beyond.resize(beyond.size() + 3, std::byte{'x'});
    EXPECT_EQ(fu.write_package(beyond), P::OutOfOrder);
    auto wrap = be32(0xFFFFFFFE);
    wrap.resize(8, std::byte{'x'});
    EXPECT_EQ(fu.write_package(wrap), P::OutOfOrder);
    EXPECT_EQ(fu.write_package(be32(0)), P::Malformed);  // an offset and no byte
    EXPECT_EQ(fu.write_package(std::vector<std::byte>{std::byte{1}}), P::Malformed);
    auto short_start = start_part(kPackage);
    short_start.pop_back();
    EXPECT_EQ(fu.write_package(short_start), P::Malformed);
    send(fu, kPackage, 16, 30);
    ASSERT_EQ(fu.state(), FU::State::Downloaded);
    auto past_end = data_part(kPackage, kPackage.size() - 3, 3);
    past_end.push_back(std::byte{'!'});
    EXPECT_EQ(fu.write_package(past_end), P::OutOfRange);
    EXPECT_EQ(fu.write_package(data_part(kPackage, 0, 10)), P::Accepted);  // a late duplicate
    EXPECT_EQ(fu.state(), FU::State::Downloaded);
    EXPECT_EQ(fu.result(), FU::Result::Initial);
}

TEST(RelayFirmware, WrongHashIsAnIntegrityFailure) {
    TempDir tmp;
    FU fu(StateDir(tmp.path()));
    auto start = start_part(kPackage);
    start[10] ^= std::byte{1};
    ASSERT_EQ(fu.write_package(start), P::Accepted);
    for (std::size_t off = 0; off < kPackage.size(); off += 50) {
        ASSERT_EQ(fu.write_package(data_part(kPackage, off, 50)), P::Accepted);
    }
    ASSERT_EQ(fu.state(), FU::State::Downloaded);
    EXPECT_EQ(fu.update(), U::IntegrityFailure);
    EXPECT_EQ(fu.result(), FU::Result::IntegrityFailure);
    EXPECT_EQ(fu.state(), FU::State::Idle);
    EXPECT_EQ(fu.version(), "1.0.0");
    EXPECT_FALSE(std::filesystem::exists(tmp.path() / "firmware.package"));
    FU reopened(StateDir(tmp.path()));
    EXPECT_EQ(reopened.result(), FU::Result::IntegrityFailure);
    EXPECT_EQ(reopened.version(), "1.0.0");
}

TEST(RelayFirmware, PackageDamagedOnDiskIsAnIntegrityFailure) {
    TempDir tmp;
    {
        FU fu(StateDir(tmp.path()));
        send(fu, kPackage, 1000);
    }
    auto staged = test::slurp(tmp.path() / "firmware.package");
    staged[5] ^= 0x20;
    test::spit(tmp.path() / "firmware.package", staged);
    FU fu(StateDir(tmp.path()));
    ASSERT_EQ(fu.state(), FU::State::Downloaded);
    EXPECT_EQ(fu.update(), U::IntegrityFailure);
    EXPECT_EQ(fu.version(), "1.0.0");
}

TEST(RelayFirmware, IncompletePackageIsRefusedAndTheDownloadGoesOn) {
    TempDir tmp;
    FU fu(StateDir(tmp.path()));
    ASSERT_EQ(fu.write_package(start_part(kPackage)), P::Accepted);
    ASSERT_EQ(fu.write_package(data_part(kPackage, 0, 10)), P::Accepted);
    EXPECT_EQ(fu.update(), U::Incomplete);
    EXPECT_EQ(fu.result(), FU::Result::IntegrityFailure);
    EXPECT_EQ(fu.state(), FU::State::Downloading);
    EXPECT_EQ(fu.version(), "1.0.0");
    send(fu, kPackage, 10, 10);
    EXPECT_EQ(fu.update(), U::Restart);
}

TEST(RelayFirmware, UnsupportedPackages) {
    for (std::string pkg :
         {std::string("\x7f"
                      "ELF binary"),
          std::string(R"({"type":"other","version":"1"})"), std::string(R"({"type":"tapmq-firmware"})"),
          std::string(R"({"type":"tapmq-firmware","version":""})"),
          std::string(R"({"type":"tapmq-firmware","version":3})"), std::string("[1,2]")}) {
        TempDir tmp;
        FU fu(StateDir(tmp.path()));
        send(fu, pkg, 4);
        EXPECT_EQ(fu.update(), U::UnsupportedPackage) << pkg;
        EXPECT_EQ(fu.result(), FU::Result::UnsupportedPackage);
        EXPECT_EQ(fu.state(), FU::State::Idle);
        EXPECT_EQ(fu.version(), "1.0.0");
    }
}

TEST(RelayFirmware, TooLargeCancelAndNewDownload) {
    TempDir tmp;
    FU::Options o;
    o.max_package_bytes = 64;
    FU fu(StateDir(tmp.path()), o);
    std::string big(65, 'b');
    EXPECT_EQ(fu.write_package(start_part(big)), P::TooLarge);
    EXPECT_EQ(fu.result(), FU::Result::NotEnoughStorage);
    EXPECT_EQ(fu.state(), FU::State::Idle);
    auto zero = start_part("");
    EXPECT_EQ(fu.write_package(zero), P::OutOfRange);

    std::string small = R"({"type":"tapmq-firmware","version":"3"})";
    ASSERT_EQ(fu.write_package(start_part(small)), P::Accepted);
    EXPECT_EQ(fu.result(), FU::Result::Initial);  // a new download clears the last result
    ASSERT_EQ(fu.write_package(data_part(small, 0, 5)), P::Accepted);
    EXPECT_EQ(fu.write_package({}), P::Accepted);  // cancel
    EXPECT_EQ(fu.state(), FU::State::Idle);
    EXPECT_EQ(fu.next_offset(), 0u);
    EXPECT_FALSE(std::filesystem::exists(tmp.path() / "firmware.package"));

    ASSERT_EQ(fu.write_package(start_part(small)), P::Accepted);
    ASSERT_EQ(fu.write_package(data_part(small, 0, 5)), P::Accepted);
    std::string other = R"({"type":"tapmq-firmware","version":"4"})";
    ASSERT_EQ(fu.write_package(start_part(other)), P::Accepted);  // another package: starts over
    EXPECT_EQ(fu.next_offset(), 0u);
    send(fu, other, 8, 0);
    ASSERT_EQ(fu.update(), U::Restart);
    fu.finish_update();
    EXPECT_EQ(fu.version(), "4");
}

TEST(RelayFirmware, DamagedStateIsAnError) {
    TempDir tmp;
    { FU fu(StateDir(tmp.path())); }
    test::spit(tmp.path() / "firmware.json", "{\"version\":\"1\"}");
    try {
        FU fu(StateDir(tmp.path()));
        FAIL();
    } catch (const StateError& e) {
        EXPECT_NE(std::string(e.what()).find("firmware.json: damaged firmware state"), std::string::npos)
            << e.what();
    }
}

TEST(RelayFirmware, TapCodes) {
    EXPECT_EQ(tap_code(P::Accepted), 0x44);
    EXPECT_EQ(tap_code(P::Inconsistent), 0x80);
    EXPECT_EQ(tap_code(P::TooLarge), 0xA7);
    EXPECT_EQ(tap_code(P::Busy), 0x46);
    EXPECT_EQ(tap_code(U::Restart), 0x44);
    EXPECT_EQ(tap_code(U::IntegrityFailure), 0x80);
    EXPECT_EQ(tap_code(U::Busy), 0x46);
}

}  // namespace
}  // namespace tapmq::relay
