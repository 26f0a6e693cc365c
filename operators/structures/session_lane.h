// The in-order sessions of a session-window operator, in a few runs each ordered by
// end (OrderedRuns). An in-order stream gives most keys one or two open sessions,
// ending in the order the sessions were last extended; keeping those sessions here
// rather than in the key's hash-map entry lets the watermark fire them by reading the
// runs front to back: no per-key timer and no hash lookup per firing. A session that
// grows is appended again with its new end and its old entry is taken out; the key's
// entry in the operator's table holds the sequence numbers of its live entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "absl/base/attributes.h"
#include "sluice/operators/structures/ordered_runs.h"

namespace sluice {

template <class K, class Acc>
class SessionLane {
 public:
  struct Entry {
    K key;
    int64_t start;
    int64_t end;
    Acc acc;
  };

 private:
  struct DueTime {  // a session fires once the watermark reaches end - 1
    int64_t operator()(const Entry& entry) const { return entry.end - 1; }
  };
  using Runs = OrderedRuns<Entry, DueTime>;

 public:
  static constexpr uint64_t kNoEntry = Runs::kNoEntry;

  // The run a session ending at `end` can join without breaking its end order, or -1.
  int RunFor(int64_t end) const { return runs_.RunFor(end - 1); }
  // Appends a session to run `run` (from RunFor) and returns its sequence number.
  ABSL_ATTRIBUTE_ALWAYS_INLINE uint64_t Append(int run, K key, int64_t start, int64_t end,
                                               Acc acc) {
    return runs_.Append(run, Entry{std::move(key), start, end, std::move(acc)});
  }
  // The live session `seq`, or nullptr once it fired or was taken out.
  ABSL_ATTRIBUTE_ALWAYS_INLINE Entry* Find(uint64_t seq) { return runs_.Find(seq); }
  // Takes a live session out (it grew, or its key now needs the general path).
  ABSL_ATTRIBUTE_ALWAYS_INLINE Entry Take(uint64_t seq) { return runs_.Take(seq); }

  // Calls fn(entry) for each live session with end - 1 <= watermark and drops them.
  template <class Fn>
  void PopDue(int64_t watermark, Fn&& fn) {
    runs_.PopDue(watermark, [&](const Entry& entry) {
      ++fired_;
      fn(entry);
    });
  }

  size_t live() const { return runs_.size(); }
  // Sessions fired since the last call: keys in the operator's table may still name
  // them.
  size_t TakeFiredCount() { return std::exchange(fired_, 0); }

 private:
  Runs runs_;
  size_t fired_ = 0;
};

}  // namespace sluice
