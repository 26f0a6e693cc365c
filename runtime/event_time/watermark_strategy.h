// How a stream's watermark is derived from its event timestamps. Built in: bounded
// out-of-orderness (events may arrive up to a bound late) and monotonous (timestamps
// never decrease). Anything else, such as punctuated watermarks carried by marker
// events, is a WatermarkGenerator<T>:
//
//   stream.AssignTimestamps(ts_fn, WatermarkStrategy::BoundedOutOfOrderness(
//                                      std::chrono::seconds(5)))
//   stream.AssignTimestamps(ts_fn, [] { return std::make_unique<MyGenerator>(); })
//
// Splits: when the source tags its batches with a split (Batch::split: a log
// partition, say) and AssignTimestamps is chained to it, the watermark is kept per
// split and the stream's watermark is the minimum over the live splits, so a split
// that lags does not see its events turn late because another one ran ahead. A split
// the source ends (ElementKind::kSplitEnd) stops counting; with WithIdleness, so does
// a split without events for the timeout, until it has events again. A source that
// reads several splits at once announces them first (ElementKind::kSplitStart), so a
// split whose first batch comes after another's is waited for too.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/runtime/event_time/event_time.h"

namespace sluice {

// A custom generator: one per parallel instance of the assigning operator. Not
// thread-safe; called by one task.
template <class T>
class WatermarkGenerator {
 public:
  virtual ~WatermarkGenerator() = default;
  // Every event, in arrival order, with the timestamp assigned to it.
  virtual void OnEvent(const T& event, int64_t timestamp) = 0;
  // The watermark after the events seen so far (kMinWatermark for none). Asked after
  // every batch; a value at or below the last one emitted is ignored.
  virtual int64_t CurrentWatermark() const = 0;
};

class WatermarkStrategy {
 public:
  // Watermark = highest timestamp seen - bound - 1: an event may arrive up to `bound`
  // behind the latest one without being late.
  template <class Rep, class Period>
  static WatermarkStrategy BoundedOutOfOrderness(
      std::chrono::duration<Rep, Period> bound) {
    return WatermarkStrategy(EventTimeSpan(bound));
  }
  static WatermarkStrategy BoundedOutOfOrderness(int64_t bound) {
    return WatermarkStrategy(bound);
  }
  // Timestamps never decrease: watermark = highest timestamp seen - 1.
  static WatermarkStrategy Monotonous() { return WatermarkStrategy(0); }

  // A source instance with no events for `timeout` of processing time is marked
  // idle: downstream operators stop waiting for its watermark until it has events
  // again. Without this, one quiet partition holds every window back.
  template <class Rep, class Period>
  WatermarkStrategy WithIdleness(std::chrono::duration<Rep, Period> timeout) const {
    return WithIdleness(EventTimeSpan(timeout));
  }
  WatermarkStrategy WithIdleness(int64_t timeout_millis) const {
    WatermarkStrategy copy = *this;
    copy.idle_timeout_ = timeout_millis;
    return copy;
  }

  // Holds the source back while its watermark is more than `max_drift` ahead of
  // the slowest source of the same `group` (in this job). AssignTimestamps must be
  // chained to the source (directly after it, same parallelism).
  template <class Rep, class Period>
  WatermarkStrategy WithAlignment(std::string group,
                                  std::chrono::duration<Rep, Period> max_drift) const {
    return WithAlignment(std::move(group), EventTimeSpan(max_drift));
  }
  WatermarkStrategy WithAlignment(std::string group, int64_t max_drift) const {
    WatermarkStrategy copy = *this;
    copy.alignment_group_ = std::move(group);
    copy.max_drift_ = max_drift;
    return copy;
  }

  int64_t bound() const { return bound_; }
  int64_t idle_timeout() const { return idle_timeout_; }  // 0: never idle
  const std::string& alignment_group() const { return alignment_group_; }  // "": none
  int64_t max_drift() const { return max_drift_; }

  // Checked when the job is built. Any span up to INT64_MAX ms works: the watermark
  // and the idleness deadline saturate.
  absl::Status Validate() const {
    absl::Status status =
        CheckTimeSpan("BoundedOutOfOrderness(bound)", bound_, 0, kMaxWatermark);
    if (status.ok()) {
      status = CheckTimeSpan("WithIdleness(timeout)", idle_timeout_, 0, kMaxWatermark);
    }
    if (status.ok() && !alignment_group_.empty()) {
      status = CheckTimeSpan("WithAlignment(max_drift)", max_drift_, 1, kMaxWatermark);
    }
    return status;
  }

  // The watermark once `max_timestamp` is the highest timestamp seen (kMinWatermark,
  // none yet, while max_timestamp - bound - 1 is below the int64 range).
  int64_t WatermarkFor(int64_t max_timestamp) const {
    return SaturatingSub(SaturatingSub(max_timestamp, bound_), 1);
  }

 private:
  explicit WatermarkStrategy(int64_t bound) : bound_(bound) {}
  int64_t bound_;
  int64_t idle_timeout_ = 0;
  std::string alignment_group_;
  int64_t max_drift_ = 0;
};

}  // namespace sluice
