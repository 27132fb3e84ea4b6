// A message into a SpyEvent: which Tap and topic, sealed frames opened with the netkey (keys derived
// per serial number), requests and responses decoded and described with the project's names, the
// status, datalog and alarm JSON, anything else as JSON, text or hex. Pure apart from the key cache:
// no I/O, the message carries its time.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "event.hpp"
#include "tap/project.hpp"
#include "tap/seal.hpp"

namespace tapmq::cli::spy {

class Decoder {
  public:
    Decoder(std::string prefix_template, std::optional<std::string> netkey, const tap::Project& project);

    // Never throws for anything in the message.
    SpyEvent decode(const Message& m);

    // Which request a response answers is the tracker's business; it gives the request back here
    // so the response's data gets its type.
    void describe_response(SpyEvent& e, const tap::TapRequest* request) const;

  private:
    const tap::SealKey& key(const std::string& serial, tap::Direction d);
    void decode_frame(SpyEvent& e);
    void decode_json_topic(SpyEvent& e, std::string_view body);

    std::string prefix_;
    std::optional<std::string> netkey_;
    const tap::Project& project_;
    std::map<std::pair<std::string, int>, tap::SealKey> keys_;
};

// A payload for people: compact JSON when it parses as JSON, the text when it is printable
// UTF-8, else hex.
std::string show_payload(std::string_view payload);

}  // namespace tapmq::cli::spy
