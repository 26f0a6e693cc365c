// The reference for session-window tests: per key, the sorted event times; a gap of
// `gap` or more between neighbours ends a session [first, last + gap).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

namespace sluice::testing {

// (key, start, end) -> number of events.
template <class K>
std::map<std::tuple<K, int64_t, int64_t>, int64_t> BruteForceSessions(
    std::map<K, std::vector<int64_t>> times, int64_t gap) {
  std::map<std::tuple<K, int64_t, int64_t>, int64_t> sessions;
  for (auto& [key, t] : times) {
    std::sort(t.begin(), t.end());
    size_t first = 0;
    for (size_t i = 1; i <= t.size(); ++i) {
      if (i == t.size() || t[i] >= t[i - 1] + gap) {
        sessions[{key, t[first], t[i - 1] + gap}] = static_cast<int64_t>(i - first);
        first = i;
      }
    }
  }
  return sessions;
}

}  // namespace sluice::testing
