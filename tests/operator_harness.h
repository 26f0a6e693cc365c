// Drives one operator in isolation: feeds it batches and control elements and records
// everything it emits, in order. For unit tests of operators.
#pragma once

#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/operator.h"

namespace sluice::testing {

// An Output that keeps what it receives: data items of type Out, and control elements.
template <class Out>
class CapturingOutput final : public Output {
 public:
  struct Control {
    ElementKind kind;
    int64_t value;
    bool operator==(const Control&) const = default;
  };
  using Entry = std::variant<std::vector<Out>, Control>;

  void Emit(BatchPtr batch) override {
    if (batch->size() == 0) return;
    const Batch<Out>& typed = BatchAs<Out>(batch);
    entries_.push_back(std::vector<Out>(typed.items.begin(), typed.items.end()));
    timestamps_.insert(timestamps_.end(), typed.timestamps.begin(),
                       typed.timestamps.end());
  }
  void EmitControl(ElementKind kind, int64_t value) override {
    entries_.push_back(Control{kind, value});
  }
  void EmitSide(int output, BatchPtr batch) override {
    side_.emplace_back(output, std::move(batch));
  }

  // The items of type U sent to side output `output`, flattened.
  template <class U>
  std::vector<U> SideItems(int output) const {
    std::vector<U> items;
    for (const auto& [index, batch] : side_) {
      if (index != output) continue;
      const auto& batch_items = BatchAs<U>(batch).items;
      items.insert(items.end(), batch_items.begin(), batch_items.end());
    }
    return items;
  }

  const std::vector<Entry>& entries() const { return entries_; }
  // The event timestamps of the data items, flattened (empty for untimed batches).
  const std::vector<int64_t>& Timestamps() const { return timestamps_; }
  // All data items, flattened in emission order.
  std::vector<Out> Items() const {
    std::vector<Out> items;
    for (const Entry& entry : entries_) {
      if (const auto* batch = std::get_if<std::vector<Out>>(&entry)) {
        items.insert(items.end(), batch->begin(), batch->end());
      }
    }
    return items;
  }

 private:
  std::vector<Entry> entries_;
  std::vector<int64_t> timestamps_;
  std::vector<std::pair<int, BatchPtr>> side_;
};

template <class In, class Out>
class OperatorHarness {
 public:
  explicit OperatorHarness(std::unique_ptr<Operator> op, OperatorContext context = {})
      : op_(std::move(op)), context_(std::move(context)) {
    if (context_.name.empty()) context_.name = "under-test";
  }

  absl::Status Open() { return op_->Open(context_); }
  void Process(std::vector<In> items, int port = 0) {
    BatchPtr batch = AcquireBatch<In>();
    BatchAs<In>(batch).items.assign(std::make_move_iterator(items.begin()),
                                    std::make_move_iterator(items.end()));
    op_->ProcessBatch(port, std::move(batch), output_);
  }
  // A batch with event time: timestamps[i] is the timestamp of items[i].
  // A batch tagged with source split `split` (Batch::split).
  void ProcessSplit(std::vector<In> items, int32_t split) {
    BatchPtr batch = AcquireBatch<In>();
    BatchAs<In>(batch).items.assign(std::make_move_iterator(items.begin()),
                                    std::make_move_iterator(items.end()));
    BatchAs<In>(batch).split = split;
    op_->ProcessBatch(0, std::move(batch), output_);
  }
  void ProcessTimed(std::vector<In> items, std::vector<int64_t> timestamps,
                    int port = 0) {
    BatchPtr batch = AcquireBatch<In>();
    BatchAs<In>(batch).items.assign(std::make_move_iterator(items.begin()),
                                    std::make_move_iterator(items.end()));
    BatchAs<In>(batch).timestamps.assign(timestamps.begin(), timestamps.end());
    op_->ProcessBatch(port, std::move(batch), output_);
  }
  void Watermark(int64_t watermark) { op_->ProcessWatermark(watermark, output_); }
  void Idleness(bool idle) { op_->ProcessIdleness(idle, output_); }
  // The source ended split `split` (ElementKind::kSplitEnd).
  void SplitEnd(int64_t split) { op_->ProcessSplitEnd(split, output_); }
  // The source announced split `split` (ElementKind::kSplitStart).
  void SplitStart(int64_t split) { op_->ProcessSplitStart(split, output_); }
  // Processing time reached `now` (as the task does when a registered timer is due).
  void ProcessingTime(int64_t now) { op_->OnProcessingTime(now, output_); }
  Operator& op() { return *op_; }
  void Finish() { op_->Finish(output_); }
  absl::Status Close() { return op_->Close(); }

  const CapturingOutput<Out>& output() const { return output_; }
  std::vector<Out> Items() const { return output_.Items(); }
  std::vector<int64_t> Timestamps() const { return output_.Timestamps(); }

 private:
  std::unique_ptr<Operator> op_;
  OperatorContext context_;
  CapturingOutput<Out> output_;
};

}  // namespace sluice::testing
