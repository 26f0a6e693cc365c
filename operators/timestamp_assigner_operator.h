// Gives every event its event-time timestamp and emits the stream's watermark after
// each batch. Watermarks from upstream are replaced by this operator's own, except
// the final one of end-of-input, which is passed on.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "runtime/event_time.h"
#include "runtime/operator.h"
#include "runtime/processing_clock.h"
#include "runtime/watermark_strategy.h"

namespace sluice {

template <class T, class TsFn>
class TimestampAssignerOperator final : public Operator {
 public:
  using GeneratorFactory = std::function<std::unique_ptr<WatermarkGenerator<T>>()>;

  // Built-in strategy.
  TimestampAssignerOperator(TsFn ts_fn, WatermarkStrategy strategy)
      : ts_fn_(std::move(ts_fn)), strategy_(strategy) {}
  // Custom generator, one per instance from `factory`.
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
      processing_->Register(last_active_ + strategy_.idle_timeout());
    }
    if (factory_) {
      generator_ = factory_();
      if (generator_ == nullptr) {
        return absl::InvalidArgumentError(
            "the watermark generator factory returned null");
      }
    }
    return absl::OkStatus();
  }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    Batch<T>& in = BatchAs<T>(batch);
    if (strategy_.idle_timeout() > 0 && !in.items.empty()) {
      last_active_ = processing_->NowMillis();
      // Active again before the events, so none arrives while marked idle.
      if (idle_) {
        idle_ = false;
        out.EmitControl(ElementKind::kIdleness, 0);
      }
    }
    const size_t n = in.items.size();
    in.timestamps.resize(n);
    int64_t* timestamps = in.timestamps.data();
    int64_t watermark;
    if (generator_ == nullptr) {
      int64_t max_timestamp = max_timestamp_;
      for (size_t i = 0; i < n; ++i) {
        timestamps[i] = ts_fn_(std::as_const(in.items[i]));
        max_timestamp = std::max(max_timestamp, timestamps[i]);
      }
      max_timestamp_ = max_timestamp;
      watermark = strategy_.WatermarkFor(max_timestamp);
    } else {
      for (size_t i = 0; i < n; ++i) {
        timestamps[i] = ts_fn_(std::as_const(in.items[i]));
        generator_->OnEvent(in.items[i], timestamps[i]);
      }
      watermark = generator_->CurrentWatermark();
    }
    out.Emit(std::move(batch));
    if (watermark > emitted_) {
      emitted_ = watermark;
      out.EmitControl(ElementKind::kWatermark, watermark);
    }
  }

  // The idleness check: idle if nothing arrived for the timeout, else look again
  // when the timeout after the last batch runs out.
  void OnProcessingTime(int64_t now_millis, Output& out) override {
    const int64_t due = last_active_ + strategy_.idle_timeout();
    if (now_millis < due) {
      processing_->Register(due);
      return;
    }
    if (!idle_) {
      idle_ = true;
      out.EmitControl(ElementKind::kIdleness, 1);
    }
    // Checked again one timeout after it wakes up.
    processing_->Register(now_millis + strategy_.idle_timeout());
  }

  void ProcessWatermark(int64_t watermark, Output& out) override {
    if (watermark == kMaxWatermark && emitted_ < kMaxWatermark) {
      emitted_ = kMaxWatermark;
      out.EmitControl(ElementKind::kWatermark, kMaxWatermark);
    }
  }

 private:
  TsFn ts_fn_;
  WatermarkStrategy strategy_;
  GeneratorFactory factory_;
  std::unique_ptr<WatermarkGenerator<T>> generator_;
  int64_t max_timestamp_ = kMinWatermark;
  int64_t emitted_ = kMinWatermark;
  ProcessingTimers* processing_ = nullptr;
  int64_t last_active_ = 0;
  bool idle_ = false;
};

}  // namespace sluice
