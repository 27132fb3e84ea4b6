// Firmware download under kill -9: a forked child downloads a package in parts (checkpointing every
// 1 KiB) and is killed at a random moment; the reopened object must be mid-download (or done) at an
// offset no further than the parts the child had sent, with exactly the package's bytes staged up
// to it, and resuming from next_offset() must give a package that verifies and installs.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <string>
#include <vector>

#include "relay/firmware_update.hpp"
#include "test_relay_util.hpp"

namespace tapmq::relay {
namespace {

using FU = FirmwareUpdate;

std::vector<std::byte> be32(std::uint32_t v) {
    return {std::byte(v >> 24), std::byte(v >> 16), std::byte(v >> 8), std::byte(v)};
}

std::vector<std::byte> start_part(std::string_view package) {
    auto p = be32(0xFFFFFFFF);
    auto size = be32(static_cast<std::uint32_t>(package.size()));
    p.insert(p.end(), size.begin(), size.end());
    std::vector<std::byte> d(32);
    unsigned len = 0;
    EVP_Digest(package.data(), package.size(), reinterpret_cast<unsigned char*>(d.data()), &len, EVP_sha256(),
               nullptr);
    p.insert(p.end(), d.begin(), d.end());
    return p;
}

std::vector<std::byte> data_part(std::string_view package, std::size_t offset, std::size_t n) {
    auto p = be32(static_cast<std::uint32_t>(offset));
    for (char c : package.substr(offset, n))
        p.push_back(std::byte(static_cast<unsigned char>(c)));
    return p;
}

FU::Options options() {
    FU::Options o;
    o.checkpoint_bytes = 1024;
    return o;
}

TEST(RelayFirmwareCrash, DownloadSurvivesKillNine) {
    std::string package = R"({"type":"tapmq-firmware","version":"9.9.9","image":")";
    std::mt19937 fill(7);
    while (package.size() < 6'000)
        package += static_cast<char>('a' + fill() % 26);
    package += "\"}";
    std::mt19937 rng(99);
    for (int round = 0; round < 8; ++round) {
        test::TempDir tmp;
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            try {
                FU fu(StateDir(tmp.path()), options());
                if (fu.write_package(start_part(package)) != FU::PartStatus::Accepted) ::_exit(3);
                for (;;) {  // over and over: a kill may land anywhere, also after the download ended
                    for (std::size_t off = 0; off < package.size(); off += 240) {
                        if (fu.write_package(data_part(package, off, 240)) != FU::PartStatus::Accepted)
                            ::_exit(4);
                    }
                }
            } catch (...) {
                ::_exit(2);
            }
        }
        ::usleep(static_cast<useconds_t>(5'000 + rng() % 300'000));
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);

        FU fu(StateDir(tmp.path()), options());
        if (fu.state() == FU::State::Idle) {  // killed before the start part was saved
            EXPECT_EQ(fu.next_offset(), 0u);
            continue;
        }
        ASSERT_TRUE(fu.state() == FU::State::Downloading || fu.state() == FU::State::Downloaded) << round;
        const auto staged = test::slurp(tmp.path() / "firmware.package");
        ASSERT_EQ(staged.size(), fu.next_offset()) << round;
        ASSERT_EQ(staged, package.substr(0, staged.size())) << round;
        ASSERT_EQ(fu.write_package(start_part(package)), FU::PartStatus::Accepted);
        for (std::size_t off = fu.next_offset(); off < package.size(); off += 240) {
            ASSERT_EQ(fu.write_package(data_part(package, off, 240)), FU::PartStatus::Accepted);
        }
        ASSERT_EQ(fu.state(), FU::State::Downloaded);
        ASSERT_EQ(fu.update(), FU::UpdateStatus::Restart);
        fu.finish_update();
        EXPECT_EQ(fu.version(), "9.9.9");
    }
}

}  // namespace
}  // namespace tapmq::relay
