#include "sluice/io/log/log_source.h"

#include <climits>

#include "absl/strings/str_cat.h"
#include "sluice/io/log/log_source_reader.h"
#include "sluice/io/log/log_topic.h"

namespace sluice {

LogSource LogSource::FromEarliest() const {
  LogSource copy = *this;
  copy.settings_.start = Settings::Start::kEarliest;
  return copy;
}

LogSource LogSource::FromLatest() const {
  LogSource copy = *this;
  copy.settings_.start = Settings::Start::kLatest;
  return copy;
}

LogSource LogSource::FromOffsets(std::map<int, int64_t> offsets) const {
  LogSource copy = *this;
  copy.settings_.start = Settings::Start::kOffsets;
  copy.settings_.offsets = std::move(offsets);
  return copy;
}

LogSource LogSource::Follow(std::chrono::milliseconds poll) const {
  LogSource copy = *this;
  copy.settings_.follow = true;
  copy.settings_.poll = poll;
  return copy;
}

absl::Status LogSource::Validate() const {
  auto config = log::LogTopic::ReadConfig(settings_.dir, settings_.topic);
  if (!config.ok()) return config.status();
  for (const auto& [partition, offset] : settings_.offsets) {
    if (partition < 0 || partition >= config->partitions) {
      return absl::InvalidArgumentError(
          absl::StrCat("log source: FromOffsets names partition ", partition,
                       " but topic '", settings_.topic, "' has ", config->partitions));
    }
  }
  if (settings_.poll.count() < 1) {
    return absl::InvalidArgumentError(
        "log source: Follow's poll interval must be >= 1 ms");
  }
  return absl::OkStatus();
}

int LogSource::MaxParallelism() const {
  // Instances past the partition count would have nothing to read, and in a following
  // job they would hold the watermark back for ever.
  auto config = log::LogTopic::ReadConfig(settings_.dir, settings_.topic);
  return config.ok() ? config->partitions : INT_MAX;  // Validate says why
}

std::unique_ptr<SourceOperator> LogSource::CreateInstance() const {
  return std::make_unique<LogSourceReader>(settings_);
}

}  // namespace sluice
