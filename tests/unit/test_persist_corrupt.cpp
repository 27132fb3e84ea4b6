// tapmq_persist against damaged stores: garbage in CURRENT, MANIFEST, an .sst or a write-ahead log, a torn
// log tail (which must be tolerated), undecodable values, unknown format versions, move-aside.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include <rocksdb/db.h>

#include "persist/codec.hpp"
#include "persist/crc32c.hpp"
#include "persist/store.hpp"
#include "test_persist_util.hpp"

namespace {

using namespace tapmq::persist;
using namespace tapmq::persist::testing;
namespace fs = std::filesystem;

StoreOptions options(const fs::path& dir) {
    StoreOptions o;
    o.dir = dir;
    return o;
}

// A store holding messages 1..n (100-byte payloads), written in `batches` separate writes, closed.
void fill(const fs::path& dir, int n, int batches = 1) {
    auto s = Store::open(options(dir));
    for (int b = 0; b < batches; ++b) {
        Batch batch;
        for (int i = 1 + b * n / batches; i <= (b + 1) * n / batches; ++i) {
            std::string payload = "payload-" + std::to_string(i);
            payload.resize(100, '.');
            batch.put_message(make_message(static_cast<std::uint64_t>(i), "t", payload));
        }
        batch.put_session({"client-" + std::to_string(b), 1, std::nullopt});
        s->submit(std::move(batch));
        s->flush();  // one log record per batch
    }
}

std::vector<fs::path> files_with(const fs::path& dir, std::string_view what) {
    std::vector<fs::path> out;
    for (auto& e : fs::directory_iterator(dir)) {
        auto name = e.path().filename().string();
        if (name.find(what) != std::string::npos) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

void scribble(const fs::path& file, std::uint64_t offset, std::size_t n, char c = '\x5a') {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f) << file;
    f.seekp(static_cast<std::streamoff>(offset));
    std::string g(n, c);
    f.write(g.data(), static_cast<std::streamsize>(g.size()));
}

// Opening must fail with a StoreError that names the directory and says the data is bad.
void expect_corrupt(const fs::path& dir, const std::string& expect_in_message = "") {
    try {
        auto s = Store::open(options(dir));
        Collected c;
        s->load(c);
        FAIL() << "opened a corrupt store; it holds " << c.total() << " records";
    } catch (const StoreError& e) {
        std::string what = e.what();
        std::cout << "[  error   ] " << what << "\n";
        EXPECT_NE(what.find(dir.string()), std::string::npos) << what;
        EXPECT_TRUE(e.corrupt()) << what;
        if (!expect_in_message.empty()) {
            EXPECT_NE(what.find(expect_in_message), std::string::npos) << what;
        }
    }
}

TEST(PersistCorrupt, GarbageInCurrent) {
    TempDir t;
    fill(t.store(), 10);
    std::ofstream(t.store() / "CURRENT", std::ios::trunc) << "\x01\x02garbage";
    expect_corrupt(t.store());
}

TEST(PersistCorrupt, CurrentNamesAMissingManifest) {
    TempDir t;
    fill(t.store(), 10);
    std::ofstream(t.store() / "CURRENT", std::ios::trunc) << "MANIFEST-999999\n";
    expect_corrupt(t.store());
}

TEST(PersistCorrupt, GarbageInManifest) {
    TempDir t;
    fill(t.store(), 10);
    auto manifests = files_with(t.store(), "MANIFEST-");
    ASSERT_FALSE(manifests.empty());
    for (auto& m : manifests)
        scribble(m, 0, 40);
    expect_corrupt(t.store());
}

TEST(PersistCorrupt, GarbageInSst) {
    TempDir t;
    fill(t.store(), 2000);
    { auto s = Store::open(options(t.store())); }  // recovery flushes the log into an .sst
    auto ssts = files_with(t.store(), ".sst");
    ASSERT_FALSE(ssts.empty());
    auto size = fs::file_size(ssts.front());
    scribble(ssts.front(), size / 3, 64);  // in a data block, away from the footer
    expect_corrupt(t.store());
}

TEST(PersistCorrupt, GarbageInSstFooter) {
    TempDir t;
    fill(t.store(), 100);
    { auto s = Store::open(options(t.store())); }
    auto ssts = files_with(t.store(), ".sst");
    ASSERT_FALSE(ssts.empty());
    scribble(ssts.front(), fs::file_size(ssts.front()) - 20, 20);
    expect_corrupt(t.store());
}

TEST(PersistCorrupt, GarbageInTheMiddleOfTheLog) {
    for (std::uint64_t offset : {0u, 20u, 5000u}) {
        SCOPED_TRACE(offset);
        TempDir t;
        fill(t.store(), 100, 10);  // ten records in the log
        auto logs = files_with(t.store(), ".log");
        ASSERT_EQ(logs.size(), 1u);
        ASSERT_GT(fs::file_size(logs[0]), offset + 1000);
        scribble(logs[0], offset, 40);
        expect_corrupt(t.store(), "write-ahead log");
    }
}

TEST(PersistCorrupt, TornLogTailIsTolerated) {
    TempDir t;
    fill(t.store(), 100, 10);
    auto logs = files_with(t.store(), ".log");
    ASSERT_EQ(logs.size(), 1u);
    // As after a crash in the middle of the last write: the last record is cut short.
    fs::resize_file(logs[0], fs::file_size(logs[0]) - 25);
    auto s = Store::open(options(t.store()));
    auto c = load_all(*s);
    EXPECT_EQ(c.messages.size(), 90u);  // the last batch (messages 91..100) is gone, nothing else
    EXPECT_EQ(c.messages.count(90), 1u);
    EXPECT_EQ(c.messages.count(91), 0u);
}

TEST(PersistCorrupt, ZeroedLogTailIsTolerated) {
    TempDir t;
    fill(t.store(), 100, 10);
    auto logs = files_with(t.store(), ".log");
    ASSERT_EQ(logs.size(), 1u);
    auto size = fs::file_size(logs[0]);
    scribble(logs[0], size - 30, 30, '\0');  // the last write's pages never reached the disk
    auto s = Store::open(options(t.store()));
    EXPECT_EQ(load_all(*s).messages.size(), 90u);
}

// A power cut can leave the log cut anywhere after the last acknowledged write: every cut point must
// open, and give a prefix of the writes that grows with the cut.
TEST(PersistCorrupt, EveryCutOfARealLogOpensToAPrefix) {
    TempDir t;
    const fs::path original = t.base() / "original";
    {
        auto s = Store::open(options(original));
        for (int i = 1; i <= 30; ++i) {
            Batch b;
            // some batches span several 32 KiB log blocks
            b.put_message(make_message(static_cast<std::uint64_t>(i), "t",
                                       std::string(i % 7 == 0 ? 70'000 : 300, 'a')));
            s->submit(std::move(b));
            s->flush();
        }
    }
    auto logs = files_with(original, ".log");
    ASSERT_EQ(logs.size(), 1u);
    const auto size = fs::file_size(logs[0]);
    std::mt19937 rng(5);
    std::size_t last = 0;
    std::vector<std::uintmax_t> cuts;
    for (int i = 0; i < 25; ++i)
        cuts.push_back(rng() % size);
    cuts.push_back(size);
    std::sort(cuts.begin(), cuts.end());
    for (auto cut : cuts) {
        SCOPED_TRACE(cut);
        const fs::path copy = t.base() / "copy";
        fs::remove_all(copy);
        fs::copy(original, copy);
        fs::resize_file(copy / logs[0].filename(), cut);
        std::unique_ptr<Store> s;
        try {
            s = Store::open(options(copy));
        } catch (const StoreError& e) {
            ADD_FAILURE() << e.what();
            continue;
        }
        auto c = load_all(*s);
        std::size_t n = c.messages.size();
        if (n > 0) {
            EXPECT_EQ(c.messages.rbegin()->first, n) << "not a prefix";
        }
        EXPECT_GE(n, last);
        last = n;
    }
    EXPECT_EQ(last, 30u);
}

void raw_put(const fs::path& dir, const std::string& key, const std::string& value) {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir.string(), &db).ok());
    ASSERT_TRUE(db->Put({}, key, value).ok());
    delete db;
}

std::string raw_get(const fs::path& dir, const std::string& key) {
    rocksdb::DB* db = nullptr;
    EXPECT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir.string(), &db).ok());
    std::string value;
    EXPECT_TRUE(db->Get({}, key, &value).ok());
    delete db;
    return value;
}

TEST(PersistCorrupt, ValueThatFailsToDecodeNamesTheKeyKind) {
    TempDir t;
    fill(t.store(), 3);
    auto good = detail::encode_outgoing({1, 1, false, 0, 0, {}, "", std::nullopt});
    auto flipped = good;
    flipped[3] ^= 0x10;
    raw_put(t.store(), detail::outgoing_key("client-x", 9), flipped);
    expect_corrupt(t.store(), "outgoing");
}

TEST(PersistCorrupt, ValueWithAnUnknownVersionByte) {
    TempDir t;
    fill(t.store(), 3);
    std::string value = "\x07";  // a version byte from the future, with a correct checksum
    auto crc = detail::crc32c(value.data(), value.size());
    for (int i = 3; i >= 0; --i)
        value.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
    raw_put(t.store(), detail::client_key(detail::Kind::Session, "c"), value);
    expect_corrupt(t.store(), "cannot decode session of client 'c': unknown value version 7");
}

TEST(PersistCorrupt, UnknownKey) {
    TempDir t;
    fill(t.store(), 3);
    raw_put(t.store(), "Zzz", "x");
    expect_corrupt(t.store(), "key");
}

TEST(PersistCorrupt, UnknownFormatVersion) {
    TempDir t;
    fill(t.store(), 3);
    raw_put(t.store(), std::string(detail::kFormatKey), detail::encode_format(kFormatVersion + 1));
    expect_corrupt(t.store(), "unknown format version " + std::to_string(kFormatVersion + 1));
}

// A store of an older format is read as it is and marked with the current one, so that a tapmqd
// that reads only the older format refuses it rather than misreading it.
class PersistOlderFormat : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(PersistOlderFormat, IsReadAndMarkedCurrent) {
    TempDir t;
    fill(t.store(), 3);
    raw_put(t.store(), std::string(detail::kFormatKey), detail::encode_format(GetParam()));
    {
        auto s = Store::open(options(t.store()));
        EXPECT_GT(load_all(*s).total(), 0u);
    }
    EXPECT_EQ(detail::decode_format(raw_get(t.store(), std::string(detail::kFormatKey))), kFormatVersion);
}

INSTANTIATE_TEST_SUITE_P(Formats, PersistOlderFormat, ::testing::Values(1u, 2u));

TEST(PersistCorrupt, DataWithoutFormatMarker) {
    TempDir t;
    fs::create_directories(t.store());
    raw_put(t.store(), detail::message_key(1), detail::encode_message(make_message(1)));
    expect_corrupt(t.store(), "meta/format");
}

TEST(PersistCorrupt, DataFilesWithoutCurrent) {
    TempDir t;
    fill(t.store(), 10);
    fs::remove(t.store() / "CURRENT");
    expect_corrupt(t.store(), "CURRENT");
}

TEST(PersistCorrupt, MoveAsideAndStartEmpty) {
    TempDir t;
    fill(t.store(), 10);
    std::ofstream(t.store() / "CURRENT", std::ios::trunc) << "garbage";
    auto o = options(t.store());
    o.move_aside_if_corrupt = true;
    auto s = Store::open(o);
    EXPECT_NE(s->recovery_note().find(t.store().string()), std::string::npos) << s->recovery_note();
    EXPECT_NE(s->recovery_note().find(".corrupt-"), std::string::npos) << s->recovery_note();
    EXPECT_EQ(load_all(*s).total(), 0u);
    std::vector<fs::path> moved;
    for (auto& e : fs::directory_iterator(t.base()))
        if (e.path().filename().string().rfind("store.corrupt-", 0) == 0) moved.push_back(e.path());
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_NE(s->recovery_note().find(moved[0].string()), std::string::npos);
    EXPECT_TRUE(fs::exists(moved[0] / "MANIFEST-000005") || !files_with(moved[0], "MANIFEST-").empty());
    // The new store works and keeps what it is given.
    Batch b;
    b.put_message(make_message(5));
    s->submit(std::move(b));
    s.reset();
    s = Store::open(o);
    EXPECT_TRUE(s->recovery_note().empty());
    EXPECT_EQ(load_all(*s).messages.size(), 1u);
}

TEST(PersistCorrupt, MoveAsideTwiceInTheSameSecond) {
    TempDir t;
    auto o = options(t.store());
    o.move_aside_if_corrupt = true;
    for (int i = 0; i < 2; ++i) {
        fill(t.store(), 2);
        raw_put(t.store(), std::string(detail::kFormatKey), detail::encode_format(99));
        auto s = Store::open(o);
        EXPECT_FALSE(s->recovery_note().empty());
    }
    int moved = 0;
    for (auto& e : fs::directory_iterator(t.base()))
        if (e.path().filename().string().rfind("store.corrupt-", 0) == 0) ++moved;
    EXPECT_EQ(moved, 2);
}

}  // namespace
