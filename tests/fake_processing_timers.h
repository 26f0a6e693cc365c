// Processing time for operator tests through the harness: the test sets `now` and
// calls the operator's OnProcessingTime itself; registered wake-ups are recorded.
#pragma once

#include <cstdint>
#include <vector>

#include "sluice/runtime/processing_clock.h"

namespace sluice::testing {

class FakeProcessingTimers final : public ProcessingTimers {
 public:
  int64_t now = 0;
  std::vector<int64_t> registered;
  int64_t NowMillis() const override { return now; }
  void Register(int64_t millis) override { registered.push_back(millis); }
};

}  // namespace sluice::testing
