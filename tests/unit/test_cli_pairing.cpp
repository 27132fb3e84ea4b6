// tap::PairingTable: responses paired with requests by reply channel and correlation data.
#include <gtest/gtest.h>

#include "tap/pairing.hpp"

using namespace tapmq::tap;

TEST(Pairing, InOrderWithinAChannelAndApartAcrossChannels) {
    PairingTable t;
    const auto a = PairingTable::channel("P/resp", std::nullopt);
    const auto b = PairingTable::channel("P/resp/ctl-1", std::nullopt);
    t.request(a, {1, 100, "P"});
    t.request(b, {2, 150, "P"});
    t.request(a, {3, 200, "P"});
    EXPECT_EQ(t.pending(), 3u);
    auto m = t.response(a, 1100);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->request.token, 1u);
    EXPECT_EQ(m->rtt_us, 1000);
    m = t.response(b, 1150);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->request.token, 2u);
    m = t.response(a, 1300);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->request.token, 3u);
    EXPECT_FALSE(t.response(a, 2000));  // a stray response
    EXPECT_EQ(t.pending(), 0u);
}

TEST(Pairing, CorrelationDataSeparatesRequestsOnOneTopic) {
    PairingTable t;
    t.request(PairingTable::channel("R", std::string_view("\x01", 1)), {1, 0, "P"});
    t.request(PairingTable::channel("R", std::string_view("\x02", 1)), {2, 0, "P"});
    auto m = t.response(PairingTable::channel("R", std::string_view("\x02", 1)), 5);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->request.token, 2u);
    EXPECT_FALSE(t.response(PairingTable::channel("R", std::nullopt), 5));
}

TEST(Pairing, ExpireReturnsTheUnansweredOldestFirst) {
    PairingTable t;
    t.request("x", {1, 0, "A"});
    t.request("y", {2, 10, "B"});
    t.request("x", {3, 500, "A"});
    auto gone = t.expire(1000, 800);
    ASSERT_EQ(gone.size(), 2u);
    EXPECT_EQ(gone[0].token, 1u);
    EXPECT_EQ(gone[1].token, 2u);
    EXPECT_EQ(t.pending(), 1u);
    EXPECT_EQ(t.response("x", 1000)->request.token, 3u);
}
