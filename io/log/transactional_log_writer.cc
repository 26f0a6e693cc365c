#include "sluice/io/log/transactional_log_writer.h"

#include <random>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "sluice/runtime/state/state_codec.h"
#include "sluice/runtime/storage/crash_point.h"

namespace sluice {
namespace {

uint64_t RandomProducerId() {
  std::random_device device;
  uint64_t id = 0;
  while (id == 0) id = (uint64_t{device()} << 32) ^ device();
  return id;
}

}  // namespace

TransactionalLogWriter::TransactionalLogWriter(int partition_count)
    : producer_id_(RandomProducerId()) {
  for (int p = 0; p < partition_count; ++p) {
    builders_.push_back(std::make_unique<log::RecordBatchBuilder>());
  }
}

absl::Status TransactionalLogWriter::Add(int partition, std::string_view key,
                                         std::string_view value, int64_t timestamp,
                                         std::span<const log::LogHeaderView> headers) {
  log::RecordBatchBuilder& builder = *builders_[static_cast<size_t>(partition)];
  builder.Add(key, value, timestamp, headers);
  if (builder.approximate_bytes() < kBatchBytes) return absl::OkStatus();
  return CutBatch(partition);
}

absl::Status TransactionalLogWriter::CutBatch(int partition) {
  log::RecordBatchBuilder& builder = *builders_[static_cast<size_t>(partition)];
  if (builder.empty()) return absl::OkStatus();
  builder.SetProducer({producer_id_, next_sequence_++});
  absl::StatusOr<std::string> batch = builder.FinishToString();
  builder.Clear();
  // Only a record too large for any batch fails here.
  if (!batch.ok()) return batch.status();
  pending_bytes_ += batch->size();
  open_.batches.emplace_back(partition, std::move(*batch));
  return absl::OkStatus();
}

absl::StatusOr<std::string> TransactionalLogWriter::PreCommit(int64_t checkpoint_id) {
  for (int p = 0; p < static_cast<int>(builders_.size()); ++p) {
    if (absl::Status s = CutBatch(p); !s.ok()) return s;
  }
  if (!open_.batches.empty()) {
    open_.checkpoint_id = checkpoint_id;
    closed_.push_back(std::move(open_));
    open_ = Transaction();
  }
  // Room for the batches and their framing up front: no growing copies of a large
  // transaction.
  size_t framing = 16;
  for (const Transaction& t : closed_) framing += 16 + 16 * t.batches.size();
  std::string out;
  out.reserve(pending_bytes_ + framing);
  StateWriter writer(out);
  EncodeState(closed_, writer);
  return out;
}

absl::Status TransactionalLogWriter::Commit(log::LogTopic& topic, int64_t checkpoint_id) {
  std::vector<bool> touched(static_cast<size_t>(topic.partition_count()));
  size_t done = 0;
  for (; done < closed_.size() && closed_[done].checkpoint_id <= checkpoint_id; ++done) {
    if (absl::Status s = Append(topic, closed_[done], &touched, nullptr); !s.ok()) {
      return s;
    }
  }
  if (done == 0) return absl::OkStatus();
  CrashPoint("log_sink.before_commit_fsync");
  // Durable before it is forgotten: the checkpoint that holds it may be deleted.
  if (absl::Status s = SyncTouched(topic, touched); !s.ok()) return s;
  for (size_t i = 0; i < done; ++i) {
    for (const auto& batch : closed_[i].batches) pending_bytes_ -= batch.second.size();
  }
  closed_.erase(closed_.begin(), closed_.begin() + static_cast<ptrdiff_t>(done));
  return absl::OkStatus();
}

absl::Status TransactionalLogWriter::CommitRestored(log::LogTopic& topic,
                                                    std::string_view state,
                                                    const std::string& what) {
  std::vector<Transaction> transactions;
  StateReader reader(state);
  DecodeState(reader, transactions);
  if (reader.failed() || !reader.done()) {
    return absl::DataLossError(
        absl::StrCat(what, ": the checkpointed transactions are damaged"));
  }
  std::vector<bool> touched(static_cast<size_t>(topic.partition_count()));
  for (const Transaction& transaction : transactions) {
    for (const auto& [partition, batch] : transaction.batches) {
      if (partition < 0 || partition >= topic.partition_count()) {
        return absl::FailedPreconditionError(
            absl::StrCat(what, ": the checkpoint holds a batch for partition ", partition,
                         " but topic ", topic.name(), " has ", topic.partition_count(),
                         " partitions (was the topic created again?)"));
      }
    }
    if (absl::Status s = Append(topic, transaction, &touched, &restore_counts_);
        !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
    }
  }
  return SyncTouched(topic, touched);
}

absl::StatusOr<std::string> TransactionalLogWriter::DescribeCommitted(
    const std::string& dir, const std::string& topic) {
  auto opened = log::LogTopic::Open(dir, topic, log::LogPartition::Access::kReadOnly);
  if (!opened.ok()) return opened.status();
  for (int p = 0; p < (*opened)->partition_count(); ++p) {
    log::LogPartition& partition = (*opened)->partition(p);
    log::LogChunk chunk;
    for (int64_t o = partition.start_offset(); o < partition.end_offset();
         o = chunk.next_offset()) {
      if (absl::Status s = partition.Read(o, 1 << 20, &chunk); !s.ok()) return s;
      for (const log::RecordBatchView& batch : chunk.batches()) {
        if (batch.producer().id == 0) continue;
        return absl::StrCat("topic ", topic, " in ", dir,
                            " holds records appended exactly once by an earlier run "
                            "(partition ",
                            p, ", offset ", batch.base_offset(), ")");
      }
    }
  }
  return std::string();
}

absl::Status TransactionalLogWriter::Append(log::LogTopic& topic,
                                            const Transaction& transaction,
                                            std::vector<bool>* touched,
                                            RestoreCounts* counts) {
  for (const auto& [partition, batch] : transaction.batches) {
    auto appended = topic.partition(partition).AppendPrepared(batch);
    if (!appended.ok()) return appended.status();
    (*touched)[static_cast<size_t>(partition)] = true;
    if (counts != nullptr) ++(appended->duplicate ? counts->skipped : counts->appended);
    CrashPoint("log_sink.after_append");
  }
  return absl::OkStatus();
}

absl::Status TransactionalLogWriter::SyncTouched(log::LogTopic& topic,
                                                 const std::vector<bool>& touched) {
  for (size_t p = 0; p < touched.size(); ++p) {
    if (!touched[p]) continue;
    if (absl::Status s = topic.partition(static_cast<int>(p)).Sync(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace sluice
