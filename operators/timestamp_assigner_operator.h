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

  absl::Status Open(const OperatorContext&) override {
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
};

}  // namespace sluice
