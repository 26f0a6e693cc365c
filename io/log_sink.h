// A sink that appends events to a topic of the embedded event log (io/log):
//
//   stream.Sink(sluice::LogAppend<Alert>(dir, "alerts", [](const Alert& a) {
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
// sink instance; keyless ones go round robin. Each input batch is appended as one
// log batch per partition it touches. The topic must exist (sluice-log create).
//
// Delivery is at least once: a job run again appends again. Exactly-once appends
// (undone on restore) come with checkpoints.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "io/log/log_topic.h"
#include "io/log/record_batch.h"
#include "io/log_message.h"
#include "io/shared_log_topic.h"
#include "runtime/connector_spec.h"
#include "runtime/operator.h"
#include "runtime/operator_error.h"

namespace sluice {

template <class T, class F>
class LogSink final : public SinkSpec<T> {
 public:
  LogSink(std::string dir, std::string topic, F to_record)
      : shared_(std::make_shared<SharedLogTopic>(std::move(dir), std::move(topic))),
        to_record_(std::move(to_record)) {}

  std::string Kind() const override { return "log_sink"; }
  absl::Status Validate() const override {
    return log::LogTopic::ReadConfig(shared_->dir(), shared_->topic()).status();
  }
  std::unique_ptr<Operator> CreateInstance() const override {
    return std::make_unique<Instance>(shared_, to_record_);
  }

 private:
  class Instance final : public Operator {
   public:
    Instance(std::shared_ptr<SharedLogTopic> shared, F to_record)
        : shared_(std::move(shared)), to_record_(std::move(to_record)) {}

    absl::Status Open(const OperatorContext& context) override {
      auto topic = shared_->Acquire();
      if (!topic.ok()) return topic.status();
      topic_ = *topic;
      acquired_ = true;
      for (int p = 0; p < topic_->partition_count(); ++p) {
        builders_.push_back(std::make_unique<log::RecordBatchBuilder>());
      }
      next_keyless_ = context.instance;
      return absl::OkStatus();
    }

    void ProcessBatch(int, BatchPtr batch, Output&) override {
      for (const T& item : BatchAs<T>(batch).items) {
        const LogMessage record = to_record_(item);
        const int p = record.key.empty() ? next_keyless_++ % topic_->partition_count()
                                         : topic_->PartitionForKey(record.key);
        headers_.clear();
        for (const auto& [k, v] : record.headers) headers_.push_back({k, v});
        builders_[static_cast<size_t>(p)]->Add(record.key, record.value, record.timestamp,
                                               headers_);
      }
      for (size_t p = 0; p < builders_.size(); ++p) {
        if (builders_[p]->empty()) continue;
        auto base = topic_->partition(static_cast<int>(p)).Append(*builders_[p]);
        builders_[p]->Clear();
        if (!base.ok()) throw OperatorError(base.status());
      }
    }

    absl::Status Close() override {
      if (acquired_) shared_->Release();
      acquired_ = false;
      return absl::OkStatus();
    }

   private:
    std::shared_ptr<SharedLogTopic> shared_;
    F to_record_;
    log::LogTopic* topic_ = nullptr;
    bool acquired_ = false;
    std::vector<std::unique_ptr<log::RecordBatchBuilder>> builders_;  // per partition
    std::vector<log::LogHeaderView> headers_;
    int next_keyless_ = 0;
  };

  std::shared_ptr<SharedLogTopic> shared_;
  F to_record_;
};

template <class T, class F>
LogSink<T, F> LogAppend(std::string dir, std::string topic, F to_record) {
  return LogSink<T, F>(std::move(dir), std::move(topic), std::move(to_record));
}

}  // namespace sluice
