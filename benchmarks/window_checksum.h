// What the window benchmarks compare: an order-independent fold of window results
// (key, start, end, value), and the sink that folds them. The engine's fold must equal
// its hand-written baseline's, so a wrong engine cannot look fast.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "sluice/benchmarks/folding_sink.h"
#include "sluice/runtime/stable_hash.h"
#include "sluice/sluice.h"

namespace sluice::bench {

using CountResult = WindowResult<uint64_t, int64_t>;

struct WindowTotals {
  uint64_t windows = 0;
  uint64_t hash = 0;  // sum of a hash per result: independent of order

  void Fold(const CountResult& r) { Fold(r.key, r.start, r.end, r.value); }
  void Fold(uint64_t key, int64_t start, int64_t end, int64_t value) {
    ++windows;
    hash += MixBits(key ^ MixBits(static_cast<uint64_t>(start) ^
                                  MixBits(static_cast<uint64_t>(end) ^
                                          (static_cast<uint64_t>(value) << 1))));
  }
  void Merge(const WindowTotals& other) {
    windows += other.windows;
    hash += other.hash;
  }
  // Empty when equal.
  std::string Compare(const WindowTotals& want) const {
    if (windows != want.windows) {
      return absl::StrCat("engine emitted ", windows, " window results, baseline ",
                          want.windows);
    }
    if (hash != want.hash) return "engine's window results differ from the baseline's";
    return "";
  }
};

// Folds every window result it receives into WindowTotals.
using WindowChecksumSink = FoldingSink<CountResult, WindowTotals>;

}  // namespace sluice::bench
