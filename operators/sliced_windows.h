// Tumbling and sliding event-time windows, both cut into slices of gcd(size, slide):
// every window is a run of whole slices, so each event updates one slice and windows
// share the slices' partial aggregates instead of each keeping its own.
//
//   keyed.Window(sluice::TumblingWindows(std::chrono::seconds(10)))
//   keyed.Window(sluice::SlidingWindows(std::chrono::minutes(1),
//   std::chrono::seconds(1)))
#pragma once

#include <chrono>
#include <cstdint>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "runtime/event_time.h"

namespace sluice {

class SlicedWindows {
 public:
  // Windows [k * slide + offset, k * slide + offset + size) for every integer k.
  SlicedWindows(int64_t size, int64_t slide, int64_t offset = 0)
      : size_(size), slide_(slide), offset_(offset) {
    slice_ = size > 0 && slide > 0 ? std::gcd(size, slide) : 1;
  }

  int64_t size() const { return size_; }
  int64_t slide() const { return slide_; }
  int64_t offset() const { return offset_; }
  int64_t slice() const { return slice_; }
  bool tumbling() const { return size_ == slide_; }

  absl::Status Validate() const {
    if (size_ <= 0 || slide_ <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "window size and slide must be > 0, got size ", size_, " slide ", slide_));
    }
    if (slide_ > size_) {
      return absl::InvalidArgumentError(
          absl::StrCat("window slide (", slide_, ") must not exceed its size (", size_,
                       "): events between windows would belong to none"));
    }
    if (offset_ < 0 || offset_ >= slide_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "window offset must be in [0, slide), got ", offset_, " with slide ", slide_));
    }
    return absl::OkStatus();
  }

  // Whether the windows of `timestamp` can be computed without overflow: false only
  // within two window sizes of the ends of the int64 range (the timestamps of
  // end-of-input timers, say), which then belong to no window.
  bool Representable(int64_t timestamp) const {
    const int64_t margin = 2 * (size_ + slide_);
    return timestamp > kMinWatermark + margin && timestamp < kMaxWatermark - margin;
  }

  // The start of the slice holding `timestamp`.
  int64_t SliceStart(int64_t timestamp) const {
    return FloorTo(timestamp - offset_, slice_) + offset_;
  }
  // The end of the first window that contains the slice starting at `slice_start`.
  int64_t FirstEnd(int64_t slice_start) const {
    return CeilTo(slice_start + slice_ - offset_ - size_, slide_) + offset_ + size_;
  }
  // The end of the last window that contains that slice.
  int64_t LastEnd(int64_t slice_start) const {
    return FloorTo(slice_start - offset_, slide_) + offset_ + size_;
  }

 private:
  static int64_t FloorTo(int64_t x, int64_t m) {
    int64_t r = x % m;
    return r < 0 ? x - r - m : x - r;
  }
  static int64_t CeilTo(int64_t x, int64_t m) { return -FloorTo(-x, m); }

  int64_t size_;
  int64_t slide_;
  int64_t offset_;
  int64_t slice_;
};

// SliceStart with the last slice remembered: events mostly arrive in time order, so
// consecutive ones usually share a slice, and the division is skipped.
class SliceFinder {
 public:
  explicit SliceFinder(const SlicedWindows& windows)
      : windows_(windows),
        width_(static_cast<uint64_t>(windows.slice())),
        start_(windows.SliceStart(0)) {}

  int64_t SliceStart(int64_t timestamp) {
    // Unsigned: wraps instead of overflowing, and a timestamp before `start_` wraps to
    // a huge value, so one comparison tests start_ <= timestamp < start_ + width.
    if (static_cast<uint64_t>(timestamp) - static_cast<uint64_t>(start_) >= width_) {
      start_ = windows_.SliceStart(timestamp);
    }
    return start_;
  }

 private:
  SlicedWindows windows_;
  uint64_t width_;
  int64_t start_;  // the last slice found
};

template <class Rep, class Period>
SlicedWindows TumblingWindows(std::chrono::duration<Rep, Period> size) {
  return SlicedWindows(EventTimeSpan(size), EventTimeSpan(size));
}

template <class Rep1, class Period1, class Rep2, class Period2>
SlicedWindows SlidingWindows(std::chrono::duration<Rep1, Period1> size,
                             std::chrono::duration<Rep2, Period2> slide) {
  return SlicedWindows(EventTimeSpan(size), EventTimeSpan(slide));
}

// The same in raw event-time units.
inline SlicedWindows TumblingWindows(int64_t size) { return SlicedWindows(size, size); }
inline SlicedWindows SlidingWindows(int64_t size, int64_t slide) {
  return SlicedWindows(size, slide);
}

}  // namespace sluice
