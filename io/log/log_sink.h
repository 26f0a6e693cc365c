// A sink that appends events to a topic of the embedded event log (io/log):
//
//   stream.Sink(sluice::LogSink<Alert>(dir, "alerts", [](const Alert& a) {
//     sluice::LogMessage record;
//     record.timestamp = a.time;
//     record.key = a.card;
//     record.value = a.ToJson();
//     return record;
//   }));
//
// `to_record(const T&)` gives each event's key, value, timestamp and headers (a
// LogMessage's partition and offset are ignored). A record with a key goes to the
// partition of the key's stable hash, so a key's records stay in order within one
// sink instance; keyless ones go round robin. The topic must exist (sluice-log
// create).
//
// In a job with checkpoints, appends are exactly once: a checkpoint's records are
// appended when it completes, as idempotent batches (transactional_log_writer.h),
// so a job restored after a crash adds each record once. Readers see them one
// checkpoint interval later. Without checkpoints, or with .AtLeastOnce(), each
// input batch is appended at once (one log batch per partition it touches), and a
// job run again appends again.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/log/log_message.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/io/log/record_batch.h"
#include "sluice/io/log/shared_log_topic.h"
#include "sluice/io/log/transactional_log_writer.h"
#include "sluice/runtime/checkpoint/pre_commit_label.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/operator_error.h"

namespace sluice {

template <class T>
class LogSink final : public SinkSpec<T> {
 public:
  // Type-erased: one indirect call per record is small beside encoding and appending
  // it, and it lets the event type be named alone, as LogSink<Alert>(...).
  using ToRecord = std::function<LogMessage(const T&)>;

  LogSink(std::string dir, std::string topic, ToRecord to_record)
      : shared_(std::make_shared<SharedLogTopic>(std::move(dir), std::move(topic))),
        to_record_(std::move(to_record)) {}

  // Appends each input batch at once, also in a job with checkpoints: lower
  // latency, but a restored job appends again what it appended after the checkpoint.
  [[nodiscard]] LogSink AtLeastOnce() const {
    LogSink copy = *this;
    copy.at_least_once_ = true;
    return copy;
  }

  std::string Kind() const override { return "log_sink"; }
  absl::Status Validate() const override {
    return log::LogTopic::ReadConfig(shared_->dir(), shared_->topic()).status();
  }
  std::unique_ptr<Operator> CreateInstance() const override {
    return std::make_unique<Instance>(shared_, to_record_, at_least_once_);
  }
  absl::StatusOr<std::string> CommittedOutput() const override {
    if (at_least_once_) return std::string();
    return TransactionalLogWriter::DescribeCommitted(shared_->dir(), shared_->topic());
  }

 private:
  class Instance final : public Operator {
   public:
    Instance(std::shared_ptr<SharedLogTopic> shared, ToRecord to_record,
             bool at_least_once)
        : shared_(std::move(shared)),
          to_record_(std::move(to_record)),
          at_least_once_(at_least_once) {}
    ~Instance() override { ReleaseTopic(); }

    absl::Status Open(const OperatorContext& context) override {
      auto topic = shared_->Acquire();
      if (!topic.ok()) return topic.status();
      topic_ = *topic;
      acquired_ = true;
      next_keyless_ = context.instance;
      if (context.checkpointing && !at_least_once_) {
        transactions_ =
            std::make_unique<TransactionalLogWriter>(topic_->partition_count());
      } else {
        for (int p = 0; p < topic_->partition_count(); ++p) {
          builders_.push_back(std::make_unique<log::RecordBatchBuilder>());
        }
      }
      return context.restored_states ? CommitRestored(context) : absl::OkStatus();
    }

    void ProcessBatch(int, BatchPtr batch, Output&) override {
      for (const T& item : BatchAs<T>(batch).items) {
        const LogMessage record = to_record_(item);
        const int p = record.key.empty() ? next_keyless_++ % topic_->partition_count()
                                         : topic_->PartitionForKey(record.key);
        headers_.clear();
        for (const auto& [k, v] : record.headers) headers_.push_back({k, v});
        if (transactions_) {
          absl::Status s =
              transactions_->Add(p, record.key, record.value, record.timestamp, headers_);
          if (!s.ok()) throw OperatorError(s);
          continue;
        }
        builders_[static_cast<size_t>(p)]->Add(record.key, record.value, record.timestamp,
                                               headers_);
      }
      if (!transactions_) AppendBuilt();
    }

    absl::StatusOr<std::string> SnapshotState(int64_t checkpoint_id) override {
      if (!transactions_) return std::string();
      return transactions_->PreCommit(last_checkpoint_.Label(checkpoint_id));
    }

    // May come after Close (a finished task's output, the job's end): the topic is
    // then opened again for the commit.
    absl::Status NotifyCheckpointComplete(int64_t checkpoint_id) override {
      if (!transactions_ || !transactions_->HasCommittable(checkpoint_id)) {
        return absl::OkStatus();
      }
      if (!acquired_) {
        auto topic = shared_->Acquire();
        if (!topic.ok()) return topic.status();
        topic_ = *topic;
        acquired_ = true;
      }
      absl::Status status = transactions_->Commit(*topic_, checkpoint_id);
      if (closed_) ReleaseTopic();
      return status;
    }

    absl::Status Close() override {
      closed_ = true;
      ReleaseTopic();
      return absl::OkStatus();
    }

   private:
    void AppendBuilt() {
      for (size_t p = 0; p < builders_.size(); ++p) {
        if (builders_[p]->empty()) continue;
        auto base = topic_->partition(static_cast<int>(p)).Append(*builders_[p]);
        builders_[p]->Clear();
        if (!base.ok()) throw OperatorError(base.status());
      }
    }

    // Appends what the run that took the restored checkpoint had pre-committed.
    // Instance i takes old instances i, i + P, ... (P: this run's parallelism).
    absl::Status CommitRestored(const OperatorContext& context) {
      const std::vector<std::string>& states = *context.restored_states;
      TransactionalLogWriter restorer(topic_->partition_count());
      for (size_t k = context.instance; k < states.size();
           k += static_cast<size_t>(context.parallelism)) {
        if (states[k].empty()) continue;
        const std::string what = absl::StrCat(
            "log sink '", context.name, "' (topic ", shared_->topic(), "): instance ",
            k + 1, " of ", states.size(), " in the restored checkpoint");
        if (absl::Status s = restorer.CommitRestored(*topic_, states[k], what); !s.ok()) {
          return s;
        }
      }
      return absl::OkStatus();
    }

    void ReleaseTopic() {
      if (acquired_) shared_->Release();
      acquired_ = false;
    }

    std::shared_ptr<SharedLogTopic> shared_;
    ToRecord to_record_;
    bool at_least_once_;
    log::LogTopic* topic_ = nullptr;
    bool acquired_ = false;
    bool closed_ = false;
    std::unique_ptr<TransactionalLogWriter> transactions_;  // exactly once
    PreCommitLabel last_checkpoint_;
    // Per partition, at least once only.
    std::vector<std::unique_ptr<log::RecordBatchBuilder>> builders_;
    std::vector<log::LogHeaderView> headers_;
    int next_keyless_ = 0;
  };

  std::shared_ptr<SharedLogTopic> shared_;
  ToRecord to_record_;
  bool at_least_once_ = false;
};

}  // namespace sluice
