// The reconnection back-off: exponential from base, capped, jittered downwards within bounds.
#include <gtest/gtest.h>

#include "client/backoff.hpp"

using namespace tapmq::client;
using std::chrono::milliseconds;

TEST(Backoff, NominalDoublesUpToTheCap) {
    Backoff b({milliseconds(500), milliseconds(30'000), 0.5});
    EXPECT_EQ(b.nominal(0), milliseconds(500));
    EXPECT_EQ(b.nominal(1), milliseconds(1000));
    EXPECT_EQ(b.nominal(5), milliseconds(16'000));
    EXPECT_EQ(b.nominal(6), milliseconds(30'000));
    EXPECT_EQ(b.nominal(1000), milliseconds(30'000));  // no overflow however many attempts
}

TEST(Backoff, JitterBounds) {
    Backoff b({milliseconds(1000), milliseconds(8000), 0.5});
    EXPECT_EQ(b.delay(0, 0.0), milliseconds(1000));
    EXPECT_EQ(b.delay(0, 1.0), milliseconds(500));
    EXPECT_EQ(b.delay(2, 0.5), milliseconds(3000));
    EXPECT_EQ(b.delay(10, 1.0), milliseconds(4000));
}

TEST(Backoff, NoJitterIsExact) {
    Backoff b({milliseconds(100), milliseconds(1000), 0.0}, 42);
    const milliseconds expected[] = {milliseconds(100), milliseconds(200),  milliseconds(400),
                                     milliseconds(800), milliseconds(1000), milliseconds(1000)};
    for (auto e : expected)
        EXPECT_EQ(b.next(), e);
    b.reset();
    EXPECT_EQ(b.next(), milliseconds(100));
}

TEST(Backoff, ScheduleStaysWithinItsBounds) {
    Backoff b({milliseconds(500), milliseconds(30'000), 0.5}, 7);
    for (unsigned attempt = 0; attempt < 20; ++attempt) {
        const auto nominal = b.nominal(attempt);
        const auto d = b.next();
        EXPECT_LE(d, nominal) << attempt;
        EXPECT_GE(d, nominal / 2) << attempt;
    }
    EXPECT_EQ(b.attempt(), 20u);
}

TEST(Backoff, JitterSpreadsClients) {
    // Two clients dropped together do not retry together.
    Backoff a({milliseconds(500), milliseconds(30'000), 0.5}, 1);
    Backoff c({milliseconds(500), milliseconds(30'000), 0.5}, 2);
    int same = 0;
    for (int i = 0; i < 10; ++i)
        same += a.next() == c.next();
    EXPECT_LT(same, 3);
}

TEST(Backoff, OptionsAreSanitised) {
    Backoff b({milliseconds(0), milliseconds(0), 3.0});
    EXPECT_EQ(b.options().base, milliseconds(1));
    EXPECT_EQ(b.options().cap, milliseconds(1));
    EXPECT_EQ(b.options().jitter, 1.0);
}
