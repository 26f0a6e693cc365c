// State time-to-live: a value of a state handle configured with a StateTtl expires
// `millis` of processing time after it was written (or read, with kOnReadAndWrite).
// An expired value is never returned, and the operator removes expired values in
// the background, so state does not grow with keys that stopped coming (as Flink's
// StateTtlConfig, measured on the job's processing clock: JobOptions::clock).
//
//   struct State {
//     sluice::ValueState<int64_t> seen{sluice::StateTtl::After(std::chrono::hours(1))};
//     auto Fields() { return std::tie(seen); }
//   };
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "absl/status/status.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/operator_error.h"

namespace sluice {

inline constexpr int64_t kNeverExpires = std::numeric_limits<int64_t>::max();

struct StateTtl {
  enum class Update {
    kOnCreateAndWrite,  // writing a value restarts its time to live
    kOnReadAndWrite,    // reading it does too
  };

  int64_t millis = 0;  // 0: never expires
  Update update = Update::kOnCreateAndWrite;

  // Throws std::invalid_argument for a TTL <= 0; under a millisecond is 1 ms, and one
  // too long to count in int64 milliseconds is INT64_MAX ms (values never expire).
  template <class Rep, class Period>
  static StateTtl After(std::chrono::duration<Rep, Period> ttl,
                        Update update = Update::kOnCreateAndWrite) {
    if (ttl <= std::chrono::duration<Rep, Period>::zero()) {
      throw std::invalid_argument("StateTtl::After: the time to live must be > 0");
    }
    int64_t millis = EventTimeSpan(ttl);
    if (millis == kOutOfRangeSpan) millis = std::numeric_limits<int64_t>::max();
    return StateTtl{std::max<int64_t>(millis, 1), update};
  }

  bool enabled() const { return millis > 0; }
  // When a value written or refreshed at `now` expires.
  int64_t ExpiryFrom(int64_t now) const {
    int64_t expiry;
    if (millis <= 0 || __builtin_add_overflow(now, millis, &expiry)) return kNeverExpires;
    return expiry;
  }
  bool refresh_on_read() const { return update == Update::kOnReadAndWrite; }
};

// The processing time TTL is measured against. A keyed operator sets it around each
// call into user code (StateTime::Scope), so state handles, which are plain values
// inside the operator's table, need no pointer back to a clock.
class StateTime {
 public:
  // No processing time (a Scope with it makes TTL'd state fail with a message).
  static constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

  class Scope {
   public:
    explicit Scope(int64_t now) : saved_(now_) { now_ = now; }
    ~Scope() { now_ = saved_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    int64_t saved_;
  };

  // Throws OperatorError where no keyed operator set the time (a handle with a TTL
  // used outside a keyed process function, or in a job without a processing clock).
  static int64_t Now() {
    if (now_ == kNoTime) {
      throw OperatorError(absl::FailedPreconditionError(
          "state with a TTL needs processing time: use it inside a keyed process "
          "function of a job with a processing clock"));
    }
    return now_;
  }

 private:
  static inline thread_local int64_t now_ = kNoTime;
};

}  // namespace sluice
