// One open, writable LogTopic shared by the parallel instances of a log sink: a
// partition has one writer (its flock), so the instances append through the same
// LogPartition objects (whose Append is thread-safe). Opened by the first instance,
// closed with the last.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "sluice/io/log/log_topic.h"

namespace sluice {

class SharedLogTopic {
 public:
  SharedLogTopic(std::string dir, std::string topic)
      : dir_(std::move(dir)), topic_(std::move(topic)) {}

  // Thread-safe. Each successful Acquire needs one Release.
  absl::StatusOr<log::LogTopic*> Acquire();
  void Release();

  const std::string& dir() const { return dir_; }
  const std::string& topic() const { return topic_; }

 private:
  const std::string dir_;
  const std::string topic_;
  std::mutex mutex_;
  std::unique_ptr<log::LogTopic> open_;
  int users_ = 0;
};

}  // namespace sluice
