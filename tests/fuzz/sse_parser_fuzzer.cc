// Fuzzes SseParser, which reads text/event-stream bytes from remote servers
// (SseSource). Differential: the same bytes fed at once, cut in two at a place the
// input picks, and one byte at a time must give the same events, last id and retry
// time, since a network may cut a stream anywhere. Also: no event holds more data
// bytes than the input has, and a small bound never crashes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/io/http/sse_parser.h"
#include "sluice/tests/fuzz/invariant.h"

namespace sluice::fuzz {
namespace {

struct Parsed {
  std::vector<std::string> events;  // id, event and data, joined
  std::string last_event_id;
  int64_t retry_ms = -1;
  bool operator==(const Parsed&) const = default;
};

Parsed Parse(std::string_view bytes, const std::vector<size_t>& cuts, size_t bound) {
  SseParser parser(bound);
  Parsed parsed;
  auto dispatch = [&](SseMessage& m) {
    parsed.events.push_back(m.id + '\x01' + m.event + '\x01' + m.data);
  };
  size_t start = 0;
  for (size_t cut : cuts) {
    if (!parser.Feed(bytes.substr(start, cut - start), dispatch)) return parsed;
    start = cut;
  }
  parser.Feed(bytes.substr(start), dispatch);
  parsed.last_event_id = parser.last_event_id();
  parsed.retry_ms = parser.retry_ms().value_or(-1);
  return parsed;
}

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::fuzz;
  if (size < 1) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t unbounded = bytes.size() + 1;
  Parsed whole = Parse(bytes, {}, unbounded);
  size_t cut = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  if (!(Parse(bytes, {cut}, unbounded) == whole)) Broken("a cut in two changed the events");
  std::vector<size_t> every;
  for (size_t i = 1; i < bytes.size(); ++i) every.push_back(i);
  if (!(Parse(bytes, every, unbounded) == whole)) {
    Broken("byte-at-a-time changed the events");
  }
  for (const std::string& event : whole.events) {
    if (event.size() > bytes.size() + 2) Broken("an event larger than its input");
  }
  Parse(bytes, {cut}, 8);  // past the bound: a clean refusal, no crash
  return 0;
}
