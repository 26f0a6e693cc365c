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
#include <type_traits>
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

// The accumulator of the merged session: those of sessions [first, last) and the
// element's (its window starts at `added_start`), in start order. The first
// session's accumulator is moved, not copied, and an element after every session's
// start is added to it directly (add(acc)), so the common case, an element inside
// one session, costs one Add, as without merging. Call it only once the merge goes
// ahead: it takes the sessions' accumulators. window_of(session) -> TimeWindow,
// acc_of(session) -> Acc&.
template <class A, class Sessions, class WindowOf, class AccOf, class AddElement>
auto MergeSessionAccumulators(const A& aggregate, Sessions& sessions,
                              const SessionMerge& merge, int64_t added_start,
                              WindowOf window_of, AccOf acc_of, AddElement add) {
  using Acc = std::decay_t<decltype(acc_of(sessions[0]))>;
  auto element_alone = [&] {
    Acc acc = aggregate.CreateAccumulator();
    add(acc);
    return acc;
  };
  // The element's window goes before the first session that starts after it.
  size_t before = merge.first;
  while (before < merge.last && window_of(sessions[before]).start <= added_start) {
    ++before;
  }
  if (before == merge.first) {
    Acc acc = element_alone();
    for (size_t i = merge.first; i < merge.last; ++i) {
      aggregate.Merge(acc, acc_of(sessions[i]));
    }
    return acc;
  }
  Acc acc = std::move(acc_of(sessions[merge.first]));
  for (size_t i = merge.first + 1; i < merge.last; ++i) {
    if (i == before) aggregate.Merge(acc, element_alone());
    aggregate.Merge(acc, acc_of(sessions[i]));
  }
  if (before == merge.last) add(acc);
  return acc;
}

}  // namespace sluice
