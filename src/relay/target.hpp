// The target: the microcontroller a Tap sits beside, reached through its debug port. This is the
// interface a real SWD/JTAG probe driver implements later and SimulatedTarget implements today.
//
// Every operation returns a TargetError whose code is the Tap result code it maps onto
// (tap-protocol.md §1): 0xA5 when the target cannot be reached, 0xA6 for a power failure, 0xB0..0xBB
// for target protocol errors. A bad address is such an error (0xB4 forbidden), never a crash.
//
// Memory is addressed in bytes. Values in target memory are big-endian (our decision, see
// simulated_target.hpp), so reading N words of size S is reading N*S bytes in address order: the word
// size of /1027//33 (`u32 address ‖ u32 word count ‖ u8 word size`) only sets the length, and
// MemoryAccess below turns the three numbers into a checked byte count. Not thread-safe: the runtime
// calls a target from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace tapmq::relay {

// The Tap result codes a target operation can end with (tap-protocol.md §1, vendor range).
enum class TargetCode : std::uint8_t {
    Ok = 0x00,
    UnableToConnect = 0xA5,  // not connected, or the probe cannot reach the target
    PowerFailure = 0xA6,
    ProtocolError = 0xB0,  // unspecified target protocol error
    Busy = 0xB1,
    Real = 0xB2,
    WrongParam = 0xB3,  // e.g. a word size other than 1, 2 or 4, or a misaligned word
    Forbidden = 0xB4,   // an address outside the target's memory
    Data = 0xB5,
    Parity = 0xB6,
    LostCom = 0xB7,  // the connection broke during the operation
    Param = 0xB8,
    Int = 0xB9,
    Abort = 0xBA,
    NotImplemented = 0xBB,
};

const char* to_string(TargetCode c) noexcept;

// The outcome of a target operation: Ok, or a code and a sentence for the log.
struct TargetError {
    TargetCode code = TargetCode::Ok;
    std::string message;

    // True when something went wrong (as client::Error).
    explicit operator bool() const noexcept { return code != TargetCode::Ok; }
    bool ok() const noexcept { return code == TargetCode::Ok; }
    // The byte a Tap response carries for this outcome (only meaningful when !ok()).
    std::uint8_t result_code() const noexcept { return static_cast<std::uint8_t>(code); }

    static TargetError success() { return {}; }
    static TargetError make(TargetCode c, std::string what) { return TargetError{c, std::move(what)}; }
};

class Target {
  public:
    virtual ~Target() = default;

    // Attaches to the target's debug port. Connecting while connected succeeds and changes nothing.
    virtual TargetError connect() = 0;
    // Detaches; the target keeps running. Never fails.
    virtual void disconnect() = 0;
    virtual bool connected() const = 0;
    // Resets the target (its firmware restarts). Needs a connection.
    virtual TargetError reset() = 0;
    // Copies out.size() bytes from `address` on. Needs a connection. All or nothing: on error `out`
    // may hold anything. An empty span is a valid no-op at any address.
    virtual TargetError read_memory(std::uint32_t address, std::span<std::byte> out) = 0;
    // Writes `in` at `address`. Needs a connection. All or nothing.
    virtual TargetError write_memory(std::uint32_t address, std::span<const std::byte> in) = 0;
};

// The three numbers of /1027//33, checked: word size 1, 2 or 4, the byte count fits in 32 bits and
// the range does not wrap around the address space. check() says what is wrong (WrongParam) or Ok.
struct MemoryAccess {
    std::uint32_t address = 0;
    std::uint32_t word_count = 0;
    std::uint8_t word_size = 1;

    // address + word_count * word_size bytes, or nullopt when the access is invalid.
    std::optional<std::uint32_t> byte_count() const noexcept {
        if (word_size != 1 && word_size != 2 && word_size != 4) return std::nullopt;
        std::uint64_t n = std::uint64_t{word_count} * word_size;
        if (std::uint64_t{address} + n > (std::uint64_t{1} << 32)) return std::nullopt;
        return static_cast<std::uint32_t>(n);
    }
    TargetError check() const {
        if (byte_count()) return {};
        return TargetError::make(TargetCode::WrongParam,
                                 "invalid memory access: word size " + std::to_string(word_size) + ", " +
                                     std::to_string(word_count) + " words at " + std::to_string(address));
    }
};

}  // namespace tapmq::relay
