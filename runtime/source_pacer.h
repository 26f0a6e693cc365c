// How an operator chained to a source holds that source back: it installs a check,
// and the source's task asks it before every Produce; while it says hold, the task
// sleeps a few milliseconds and asks again (watermark alignment uses this).
#pragma once

#include <functional>
#include <utility>

namespace sluice {

class SourcePacer {
 public:
  // Called on the task's thread, before each Produce.
  void SetHoldCheck(std::function<bool()> check) { check_ = std::move(check); }
  bool ShouldHold() const { return check_ && check_(); }

 private:
  std::function<bool()> check_;
};

}  // namespace sluice
