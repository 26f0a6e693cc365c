// Gives every event its event-time timestamp and emits the stream's watermark after
// each batch. Watermarks from upstream are replaced by this operator's own, except
// the final one of end-of-input, which is passed on.
//
// Batches tagged with a source split (Batch::split) get a watermark per split; the
// stream's is the minimum over the splits that are neither ended nor idle. With
// alignment (WatermarkStrategy::WithAlignment), the operator reports its watermark to
// the job's alignment group and holds its source back while it is too far ahead.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/event_time/watermark_alignment.h"
#include "sluice/runtime/event_time/watermark_strategy.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/processing_clock.h"
#include "sluice/runtime/source_pacer.h"

namespace sluice {

template <class T, class TsFn>
class TimestampAssignerOperator final : public Operator {
 public:
  using GeneratorFactory = std::function<std::unique_ptr<WatermarkGenerator<T>>()>;

  // Built-in strategy.
  TimestampAssignerOperator(TsFn ts_fn, WatermarkStrategy strategy)
      : ts_fn_(std::move(ts_fn)), strategy_(strategy) {}
  // Custom generator, one per instance (and per split) from `factory`.
  TimestampAssignerOperator(TsFn ts_fn, GeneratorFactory factory)
      : ts_fn_(std::move(ts_fn)),
        strategy_(WatermarkStrategy::Monotonous()),
        factory_(std::move(factory)) {}

  absl::Status Open(const OperatorContext& context) override {
    processing_ = context.processing_timers;
    if (strategy_.idle_timeout() > 0) {
      if (processing_ == nullptr) {
        return absl::FailedPreconditionError(
            "watermark idleness needs a processing clock, which this operator lacks");
      }
      last_active_ = processing_->NowMillis();
      processing_->Register(SaturatingAdd(last_active_, strategy_.idle_timeout()));
    }
    absl::Status status = NewProgress(whole_);
    if (!status.ok()) return status;
    return JoinAlignmentGroup(context);
  }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    Batch<T>& in = BatchAs<T>(batch);
    if (strategy_.idle_timeout() > 0 && !in.items.empty()) {
      last_active_ = processing_->NowMillis();
      // Active again before the events, so none arrives while marked idle.
      if (idle_) {
        idle_ = false;
        Report(emitted_);
        out.EmitControl(ElementKind::kIdleness, 0);
      }
    }
    int64_t watermark;
    if (in.split < 0) {
      Stamp(in, whole_);
      watermark = whole_.Watermark(strategy_);
    } else {
      Progress& split = SplitFor(in.split);
      Stamp(in, split);
      split.last_active = last_active_;
      split.idle = false;
      split.queued = false;
      watermark = SplitMinimum();
    }
    out.Emit(std::move(batch));
    Advance(watermark, out);
  }

  // A split announced before its first batch holds the watermark (it has no events
  // yet) until it has some, ends, or goes idle; a queued one cannot go idle first.
  void ProcessSplitStart(int64_t split, Output& out) override {
    (void)out;
    Progress& progress = SplitFor(SplitIdOf(split));
    progress.queued = IsQueuedSplit(split);
    if (processing_ != nullptr) progress.last_active = processing_->NowMillis();
  }

  void ProcessSplitEnd(int64_t split, Output& out) override {
    splits_.erase(static_cast<int32_t>(split));
    Advance(SplitMinimum(), out);
  }

  // The idleness check: the source is idle if nothing arrived for the timeout (and
  // a split is, if it had no events for it); else look again when the timeout after
  // the last batch runs out.
  void OnProcessingTime(int64_t now_millis, Output& out) override {
    const int64_t timeout = strategy_.idle_timeout();
    bool split_went_idle = false;
    for (auto& [id, split] : splits_) {
      if (!split.idle && !split.queued && now_millis - split.last_active >= timeout) {
        split.idle = true;
        split_went_idle = true;
      }
    }
    if (split_went_idle) Advance(SplitMinimum(), out);
    const int64_t due = SaturatingAdd(last_active_, timeout);
    if (now_millis < due) {
      processing_->Register(due);
      return;
    }
    if (!idle_) {
      idle_ = true;
      Report(kMaxWatermark);  // an idle source holds no one back
      out.EmitControl(ElementKind::kIdleness, 1);
    }
    // Checked again one timeout after it wakes up.
    processing_->Register(SaturatingAdd(now_millis, timeout));
  }

  void ProcessWatermark(int64_t watermark, Output& out) override {
    if (watermark == kMaxWatermark && emitted_ < kMaxWatermark) {
      emitted_ = kMaxWatermark;
      Report(kMaxWatermark);
      out.EmitControl(ElementKind::kWatermark, kMaxWatermark);
    }
  }

 private:
  // The event-time progress of the whole input, or of one split.
  struct Progress {
    int64_t max_timestamp = kMinWatermark;
    std::unique_ptr<WatermarkGenerator<T>> generator;  // custom strategies
    int64_t last_active = 0;
    bool idle = false;
    bool queued = false;  // announced as queued (kSplitQueued), no batch yet
    int64_t Watermark(const WatermarkStrategy& strategy) const {
      return generator ? generator->CurrentWatermark()
                       : strategy.WatermarkFor(max_timestamp);
    }
  };

  absl::Status NewProgress(Progress& progress) {
    if (!factory_) return absl::OkStatus();
    progress.generator = factory_();
    if (progress.generator == nullptr) {
      return absl::InvalidArgumentError("the watermark generator factory returned null");
    }
    return absl::OkStatus();
  }

  Progress& SplitFor(int32_t id) {
    auto [it, inserted] = splits_.try_emplace(id);
    if (inserted) {
      absl::Status status = NewProgress(it->second);
      if (!status.ok()) throw OperatorError(status);
    }
    return it->second;
  }

  void Stamp(Batch<T>& in, Progress& progress) {
    const size_t n = in.items.size();
    in.timestamps.resize(n);
    int64_t* timestamps = in.timestamps.data();
    if (progress.generator == nullptr) {
      int64_t max_timestamp = progress.max_timestamp;
      for (size_t i = 0; i < n; ++i) {
        timestamps[i] = ts_fn_(std::as_const(in.items[i]));
        max_timestamp = std::max(max_timestamp, timestamps[i]);
      }
      progress.max_timestamp = max_timestamp;
    } else {
      for (size_t i = 0; i < n; ++i) {
        timestamps[i] = ts_fn_(std::as_const(in.items[i]));
        progress.generator->OnEvent(in.items[i], timestamps[i]);
      }
    }
  }

  // The minimum over live, active splits (kMinWatermark, holding, when there is none).
  int64_t SplitMinimum() const {
    int64_t minimum = kMaxWatermark;
    bool any = false;
    for (const auto& [id, split] : splits_) {
      if (split.idle) continue;
      any = true;
      minimum = std::min(minimum, split.Watermark(strategy_));
    }
    return any ? minimum : kMinWatermark;
  }

  void Advance(int64_t watermark, Output& out) {
    if (watermark <= emitted_) return;
    emitted_ = watermark;
    out.EmitControl(ElementKind::kWatermark, watermark);
    if (!idle_) Report(watermark);
  }

  absl::Status JoinAlignmentGroup(const OperatorContext& context) {
    if (strategy_.alignment_group().empty()) return absl::OkStatus();
    if (context.alignment == nullptr || context.source_pacer == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "watermark alignment (group '", strategy_.alignment_group(),
          "') needs AssignTimestamps chained to its source: same parallelism, no "
          "exchange in between"));
    }
    group_ = context.alignment->Group(strategy_.alignment_group());
    member_ = group_->Join();
    context.source_pacer->SetHoldCheck([this] { return AheadOfGroup(); });
    return absl::OkStatus();
  }
  bool AheadOfGroup() const {
    if (emitted_ == kMinWatermark || emitted_ == kMaxWatermark) return false;
    return static_cast<__int128>(emitted_) - strategy_.max_drift() > group_->Minimum();
  }
  void Report(int64_t watermark) {
    if (group_ != nullptr) group_->Report(member_, watermark);
  }

  TsFn ts_fn_;
  WatermarkStrategy strategy_;
  GeneratorFactory factory_;
  Progress whole_;                                 // untagged batches
  absl::flat_hash_map<int32_t, Progress> splits_;  // tagged batches, per split
  int64_t emitted_ = kMinWatermark;
  ProcessingTimers* processing_ = nullptr;
  int64_t last_active_ = 0;
  bool idle_ = false;
  AlignmentGroup* group_ = nullptr;
  int member_ = -1;
};

}  // namespace sluice
