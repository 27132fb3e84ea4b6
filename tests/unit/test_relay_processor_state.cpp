// The command processor's state-changing objects: relay settings, multi-command, configuration
// upload, firmware update, the datalog.
#include <openssl/sha.h>

#include "test_relay_processor_util.hpp"

namespace tapmq::relay::test {
namespace {

namespace paths = tap::paths;

TEST(RelayProcessorState, Placeholder) {
    Tap tap;
    EXPECT_EQ(tap.get(paths::kApplicationName), "Sensor_demo");
}

}  // namespace
}  // namespace tapmq::relay::test
