// One record of the embedded event log as a dataflow event: where it was (partition
// and offset), its timestamp, key, value and headers. A LogSource emits these; a job
// usually maps the value to its own type next.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace sluice {

struct LogMessage {
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = 0;  // as appended (milliseconds since the epoch by convention)
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;

  bool operator==(const LogMessage&) const = default;
  // For checkpoints: an operator that keeps messages in its state can snapshot them.
  auto Fields() { return std::tie(partition, offset, timestamp, key, value, headers); }
};

}  // namespace sluice
