// What the HTTP clients (HttpSink, SseSource, HttpPollSource) retry, and how long they
// wait: one rule for all, so the docs can state it once. Retried by default: no answer
// (status 0: refused, reset, timed out), 408, 429 and 5xx except 501. The wait is
// exponential with full jitter (AWS's "Exponential Backoff And Jitter"): uniform in
// [0, min(max, initial * 2^attempt)], so clients that failed together do not return
// together.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace sluice {

// True for the statuses worth another try.
inline bool RetryableHttpStatus(long status) {
  return status == 0 || status == 408 || status == 429 ||
         (status >= 500 && status != 501);
}

class HttpBackoff {
 public:
  HttpBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(initial), max_(max) {}

  // The wait after `attempt` failed tries in a row (0 waits up to `initial`).
  std::chrono::milliseconds Delay(int attempt) {
    int64_t cap = initial_.count() << std::clamp(attempt, 0, 20);
    cap = std::min<int64_t>(cap, max_.count());
    std::uniform_int_distribution<int64_t> jitter(0, std::max<int64_t>(cap, 1));
    return std::chrono::milliseconds(jitter(random_));
  }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace sluice
