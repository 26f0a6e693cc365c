#include "sluice/io/http/durable_ingest_log.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "sluice/io/log/log_chunk.h"
#include "sluice/io/log/record_batch.h"

namespace sluice {

absl::StatusOr<std::unique_ptr<DurableIngestLog>> DurableIngestLog::Open(
    const std::string& dir, const std::string& topic) {
  auto opened = log::LogTopic::Open(dir, topic, log::LogPartition::Access::kReadWrite);
  if (!opened.ok()) return opened.status();
  std::unique_ptr<DurableIngestLog> ingest_log(new DurableIngestLog(std::move(*opened)));
  if (absl::Status read = ingest_log->ReadRecentKeys(); !read.ok()) return read;
  return ingest_log;
}

absl::Status DurableIngestLog::ReadRecentKeys() {
  std::lock_guard lock(mutex_);
  for (int p = 0; p < topic_->partition_count(); ++p) {
    log::LogPartition& partition = topic_->partition(p);
    int64_t offset =
        std::max(partition.start_offset(), partition.end_offset() - kScanRecords);
    while (offset < partition.end_offset()) {
      log::LogChunk chunk;
      if (absl::Status read = partition.Read(offset, 4 << 20, &chunk); !read.ok()) {
        return absl::Status(read.code(),
                            absl::StrCat("reading the Idempotency-Keys of log topic ",
                                         topic_->name(), ": ", read.message()));
      }
      if (chunk.empty()) break;
      chunk.ForEach([&](const log::LogRecordView& record) {
        if (record.key().empty()) return;
        for (size_t h = 0; h < record.header_count(); ++h) {
          log::LogHeaderView header = record.header(h);
          if (header.key == kAnswerHeader) {
            RememberLocked(std::string(record.key()), std::string(header.value));
          }
        }
      });
      offset = chunk.next_offset();
    }
  }
  return absl::OkStatus();
}

std::optional<std::string> DurableIngestLog::Replay(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = answers_.find(key);
  if (it == answers_.end()) return std::nullopt;
  return it->second;
}

bool DurableIngestLog::Claim(const std::string& key) {
  std::lock_guard lock(mutex_);
  return claimed_.insert(key).second;
}

void DurableIngestLog::Release(const std::string& key) {
  std::lock_guard lock(mutex_);
  claimed_.erase(key);
}

absl::Status DurableIngestLog::Append(const std::string& key, char format,
                                      const std::vector<std::string_view>& records,
                                      const std::string& answer) {
  absl::Status status = absl::OkStatus();
  if (!records.empty()) {
    int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    log::RecordBatchBuilder batch;
    std::string value;
    log::LogHeaderView answer_header{kAnswerHeader, answer};
    for (size_t i = 0; i < records.size(); ++i) {
      value.assign(1, format);
      value.append(records[i]);
      bool first_keyed = i == 0 && !key.empty();
      batch.Add(key, value, now_ms,
                first_keyed ? std::span<const log::LogHeaderView>(&answer_header, 1)
                            : std::span<const log::LogHeaderView>());
    }
    int partition_index = static_cast<int>(
        next_partition_.fetch_add(1) % static_cast<uint64_t>(topic_->partition_count()));
    log::LogPartition& partition = topic_->partition(partition_index);
    absl::StatusOr<int64_t> appended = partition.Append(batch);
    status = appended.ok() ? partition.Sync() : appended.status();
  }
  std::lock_guard lock(mutex_);
  if (!key.empty()) {
    claimed_.erase(key);
    if (status.ok()) RememberLocked(key, answer);
  }
  return status;
}

void DurableIngestLog::RememberLocked(const std::string& key, std::string answer) {
  auto [it, added] = answers_.insert_or_assign(key, std::move(answer));
  if (!added) return;
  order_.push_back(key);
  if (order_.size() > kMaxKeys) {
    answers_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace sluice
