// Where durable HTTP ingest (HttpSource::Durable) keeps what it acknowledges: a topic
// of the embedded log. Each request's accepted records are appended as one batch (all
// or nothing, even across a crash) and synced before the request is answered 200.
// A request's Idempotency-Key is the key of each of its records, and the answer is a
// header of its first record, so the keys of recent requests are found again when the
// log is reopened after a crash: a client that repeats a request gets the first
// answer back, and its records are not appended twice.
//
// The window of keys: the requests among the last kScanRecords records of each
// partition when the log is opened, plus those answered since, at most kMaxKeys
// (the oldest are forgotten first). Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "sluice/io/log/log_topic.h"

namespace sluice {

class DurableIngestLog {
 public:
  static constexpr size_t kMaxKeys = 100'000;
  static constexpr int64_t kScanRecords = 1'000'000;
  // The header of a request's first record that holds its answer.
  static constexpr std::string_view kAnswerHeader = "sluice-ingest-answer";

  // Opens the topic (it must exist) for appending and reads back its recent keys.
  static absl::StatusOr<std::unique_ptr<DurableIngestLog>> Open(const std::string& dir,
                                                                const std::string& topic);

  // The answer an earlier request with `key` got, if it is in the window.
  std::optional<std::string> Replay(const std::string& key) const;
  // Claims `key` for a request about to append; false if another request with the
  // same key is being appended right now. Every claim ends in Append or Release.
  bool Claim(const std::string& key);
  void Release(const std::string& key);
  // Appends one request's records (each `format` byte + text) as one batch, syncs
  // it, and remembers `key` (if any) with `answer`. Releases the claim.
  absl::Status Append(const std::string& key, char format,
                      const std::vector<std::string_view>& records,
                      const std::string& answer);

 private:
  explicit DurableIngestLog(std::unique_ptr<log::LogTopic> topic)
      : topic_(std::move(topic)) {}
  absl::Status ReadRecentKeys();
  void RememberLocked(const std::string& key, std::string answer);

  std::unique_ptr<log::LogTopic> topic_;
  std::atomic<uint64_t> next_partition_{0};
  mutable std::mutex mutex_;
  absl::flat_hash_map<std::string, std::string> answers_;
  std::deque<std::string> order_;  // oldest first, for forgetting
  absl::flat_hash_set<std::string> claimed_;
};

}  // namespace sluice
