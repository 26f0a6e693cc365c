// Merging an element's session window into a key's sessions: the one rule both
// session paths follow (SessionWindowOperator, and TriggeredWindowOperator with a
// merging assigner). A key's sessions are sorted by start and disjoint; the window
// [start, end) merges with every session it overlaps. Merely touching windows stay
// apart: a session [s, e) is then complete once the watermark reaches e - 1, whatever
// comes next. Accumulators merge in start order, the element's window in its place,
// so a full-window function sees a merged session's elements in the same order on
// either path.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "sluice/operators/windows/time_window.h"

namespace sluice {

struct SessionMerge {
  size_t first = 0;  // sessions [first, last) merge with the window
  size_t last = 0;
  TimeWindow merged;  // the span of the window and those sessions
  bool merges() const { return first != last; }
};

// window_of(session) -> TimeWindow.
template <class Sessions, class WindowOf>
SessionMerge FindSessionMerge(const Sessions& sessions, TimeWindow window,
                              WindowOf window_of) {
  auto first = std::lower_bound(
      sessions.begin(), sessions.end(), window.start,
      [&](const auto& s, int64_t start) { return window_of(s).end <= start; });
  auto last = first;
  while (last != sessions.end() && window_of(*last).start < window.end) ++last;
  SessionMerge merge;
  merge.first = static_cast<size_t>(first - sessions.begin());
  merge.last = static_cast<size_t>(last - sessions.begin());
  merge.merged = window;
  if (merge.merges()) {
    merge.merged.start = std::min(window.start, window_of(*first).start);
    merge.merged.end = std::max(window.end, window_of(*(last - 1)).end);
  }
  return merge;
}

// The accumulator of the merged session: those of sessions [first, last) and
// `added` (the element's window's, which starts at `added_start`), in start order.
// window_of(session) -> TimeWindow, acc_of(session) -> its accumulator.
template <class A, class Sessions, class Acc, class WindowOf, class AccOf>
Acc MergeSessionAccumulators(const A& aggregate, const Sessions& sessions,
                             const SessionMerge& merge, int64_t added_start, Acc added,
                             WindowOf window_of, AccOf acc_of) {
  if (!merge.merges()) return added;
  Acc acc = aggregate.CreateAccumulator();
  bool placed = false;
  for (size_t i = merge.first; i < merge.last; ++i) {
    if (!placed && added_start < window_of(sessions[i]).start) {
      aggregate.Merge(acc, added);
      placed = true;
    }
    aggregate.Merge(acc, acc_of(sessions[i]));
  }
  if (!placed) aggregate.Merge(acc, added);
  return acc;
}

}  // namespace sluice
