// Tumbling and sliding event-time windows, both cut into slices of gcd(size, slide):
// every window is a run of whole slices, so each event updates one slice and windows
// share the slices' partial aggregates instead of each keeping its own.
//
//   keyed.Window(sluice::TumblingWindows(std::chrono::seconds(10)))
//   keyed.Window(sluice::SlidingWindows(std::chrono::minutes(1),
//   std::chrono::seconds(1)))
//
// Any size up to INT64_MAX ms works. A window must lie inside int64 (start >=
// INT64_MIN, end <= INT64_MAX), so an event whose windows would reach past either end
// (one within about a window size of it) cannot be windowed: window operators fail
// the job with OutOfRange(timestamp) for it. The arithmetic below never overflows for
// the slices of the other events.
#pragma once

#include <chrono>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/runtime/event_time/event_time.h"

namespace sluice {

class SlicedWindows {
 public:
  // Windows [k * slide + offset, k * slide + offset + size) for every integer k.
  SlicedWindows(int64_t size, int64_t slide, int64_t offset = 0)
      : size_(size), slide_(slide), offset_(offset) {
    slice_ = size > 0 && slide > 0 ? std::gcd(size, slide) : 1;
    if (Validate().ok()) SetTimestampRange();
  }

  int64_t size() const { return size_; }
  int64_t slide() const { return slide_; }
  int64_t offset() const { return offset_; }
  int64_t slice() const { return slice_; }
  bool tumbling() const { return size_ == slide_; }

  absl::Status Validate() const;

  // Whether every window holding `timestamp` lies inside int64: the timestamps from
  // first_timestamp() to last_timestamp() (which always hold 0).
  bool Representable(int64_t timestamp) const {
    return timestamp >= first_timestamp_ && timestamp <= last_timestamp_;
  }
  int64_t first_timestamp() const { return first_timestamp_; }
  int64_t last_timestamp() const { return last_timestamp_; }
  // The error for an event at `timestamp` that is not Representable.
  absl::Status OutOfRange(int64_t timestamp) const;
  // "TumblingWindows(size 10 ms)", for messages.
  std::string Describe() const;

  // The start of the slice holding `timestamp`, which must be Representable.
  int64_t SliceStart(int64_t timestamp) const {
    return timestamp - DistanceAbove(timestamp, slice_offset_, slice_);
  }
  // The end of the first window that contains the slice starting at `slice_start`
  // (a slice of a Representable timestamp, as for LastEnd).
  int64_t FirstEnd(int64_t slice_start) const {
    const int64_t slice_end = slice_start + slice_;
    const int64_t above = DistanceAbove(slice_end, end_residue_, slide_);
    return above == 0 ? slice_end : slice_end + (slide_ - above);
  }
  // The end of the last window that contains that slice (offset < slide is its own
  // residue).
  int64_t LastEnd(int64_t slice_start) const {
    return slice_start - DistanceAbove(slice_start, offset_, slide_) + size_;
  }
  // Whether a window ends a slide after the one ending at `end` (false at the end of
  // int64).
  bool HasNextEnd(int64_t end) const { return end <= kMaxWatermark - slide_; }
  // Steps `end` to the next window end if that is at most `last` (end <= last), for
  // loops over window ends that must not step past INT64_MAX.
  bool StepEnd(int64_t& end, int64_t last) const {
    if (static_cast<uint64_t>(last) - static_cast<uint64_t>(end) <
        static_cast<uint64_t>(slide_)) {
      return false;
    }
    end += slide_;
    return true;
  }

 private:
  // How far `x` lies above the grid point below it, the grid being the numbers equal
  // to `residue` (in [0, m)) mod m: (x - residue) mod m, without computing x - residue,
  // which can overflow.
  static int64_t DistanceAbove(int64_t x, int64_t residue, int64_t m) {
    int64_t r = x % m;
    if (r < 0) r += m;
    return r >= residue ? r - residue : r - residue + m;
  }
  void SetTimestampRange();

  int64_t size_;
  int64_t slide_;
  int64_t offset_;
  int64_t slice_;
  int64_t slice_offset_ = 0;  // offset mod slice: where slices start
  int64_t end_residue_ = 0;   // (offset + size) mod slide: where window ends fall
  // No timestamp is Representable until a valid configuration sets these.
  int64_t first_timestamp_ = 1;
  int64_t last_timestamp_ = 0;
};

inline absl::Status SlicedWindows::Validate() const {
  const char* name = tumbling() ? "TumblingWindows" : "SlidingWindows";
  absl::Status status =
      CheckTimeSpan(absl::StrCat(name, "(size)"), size_, 1, kMaxWatermark);
  if (status.ok() && !tumbling()) {
    status = CheckTimeSpan("SlidingWindows(slide)", slide_, 1, kMaxWatermark);
  }
  if (!status.ok()) return status;
  if (slide_ > size_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SlidingWindows: the slide (", slide_, ") must not exceed its size (", size_,
        "): events between windows would belong to none"));
  }
  if (offset_ < 0 || offset_ >= slide_) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": the window offset must be in [0, slide), got ", offset_,
                     " with slide ", slide_));
  }
  return absl::OkStatus();
}

// A timestamp is Representable when the window starting before the first whole
// window start W0 >= INT64_MIN does not hold it (t >= W0 - slide + size), nor the one
// after the last whole window end E <= INT64_MAX (t < E - size + slide).
inline void SlicedWindows::SetTimestampRange() {
  const __int128 min = kMinWatermark;
  const __int128 max = kMaxWatermark;
  const __int128 slide = slide_;
  const auto mod = [&](__int128 x) { return ((x % slide) + slide) % slide; };
  slice_offset_ = offset_ % slice_;
  end_residue_ = static_cast<int64_t>(mod(__int128{offset_} + size_));
  const __int128 first_start = min + mod(offset_ - min);
  const __int128 last_end = max - mod(max - end_residue_);
  first_timestamp_ = static_cast<int64_t>(first_start - slide + size_);
  last_timestamp_ = static_cast<int64_t>(last_end - size_ + slide - 1);
}

inline std::string SlicedWindows::Describe() const {
  std::string offset = offset_ == 0 ? "" : absl::StrCat(", offset ", offset_, " ms");
  if (tumbling()) return absl::StrCat("TumblingWindows(size ", size_, " ms", offset, ")");
  return absl::StrCat("SlidingWindows(size ", size_, " ms, slide ", slide_, " ms", offset,
                      ")");
}

inline absl::Status SlicedWindows::OutOfRange(int64_t timestamp) const {
  return absl::InvalidArgumentError(absl::StrCat(
      "event timestamp ", timestamp, " cannot be windowed by ", Describe(),
      ": one of its windows would reach past the int64 range of event time; these "
      "windows take timestamps from ",
      first_timestamp_, " to ", last_timestamp_,
      " (fix or filter out such timestamps before the window)"));
}

// SliceStart with the last slice remembered: events mostly arrive in time order, so
// consecutive ones usually share a slice, and the division is skipped.
class SliceFinder {
 public:
  explicit SliceFinder(const SlicedWindows& windows)
      : windows_(windows),
        width_(static_cast<uint64_t>(windows.slice())),
        start_(windows.SliceStart(0)) {}

  // The slice's start, or nullopt when the timestamp cannot be windowed (every
  // timestamp of a slice can, or none).
  std::optional<int64_t> SliceStart(int64_t timestamp) {
    // Unsigned: wraps instead of overflowing, and a timestamp before `start_` wraps to
    // a huge value, so one comparison tests start_ <= timestamp < start_ + width.
    if (static_cast<uint64_t>(timestamp) - static_cast<uint64_t>(start_) >= width_) {
      if (!windows_.Representable(timestamp)) return std::nullopt;
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
