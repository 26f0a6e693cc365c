// Keyed event-time windows: tumbling count over 100 and 1M keys, a 60 s window sliding
// by 1 s (sum), and session windows (count), each run by the engine at 1 and 2
// threads and by a hand-written single-threaded loop doing the same work in the same
// binary. Throughput is events generated per second of wall time.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "sluice/benchmarks/process_cpu_timer.h"
#include "sluice/benchmarks/timed_event.h"
#include "sluice/benchmarks/window_benchmark_case.h"
#include "sluice/benchmarks/window_checksum.h"
#include "sluice/sluice.h"

namespace sluice::bench {
namespace {

// --- tumbling count ---

struct TumblingCase {
  const char* name;
  uint64_t events;
  uint64_t keys;
  uint64_t events_per_ms;
  int64_t size_ms;
};

constexpr TumblingCase kTumbling100{"tumbling_count_100keys", 20'000'000, 100, 10'000,
                                    1000};
constexpr TumblingCase kTumbling1M{"tumbling_count_1Mkeys", 10'000'000, 1'000'000, 5'000,
                                   1000};

// Counts per (window, key); a window is emitted once the emulated watermark passes it.
WindowTotals TumblingBaseline(const TumblingCase& c) {
  absl::btree_map<int64_t, absl::flat_hash_map<uint64_t, int64_t>> windows;
  WindowTotals totals;
  int64_t max_ts = kMinWatermark;
  int64_t current_start = kMinWatermark;
  absl::flat_hash_map<uint64_t, int64_t>* current = nullptr;
  auto fire = [&](int64_t watermark) {
    while (!windows.empty() && windows.begin()->first + c.size_ms - 1 <= watermark) {
      int64_t start = windows.begin()->first;
      for (const auto& [key, count] : windows.begin()->second) {
        totals.Fold(key, start, start + c.size_ms, count);
      }
      windows.erase(windows.begin());
      current = nullptr;
      current_start = kMinWatermark;
    }
  };
  for (uint64_t i = 0; i < c.events; ++i) {
    Event e = TimedEvent(i, c.keys, c.events_per_ms);
    max_ts = std::max(max_ts, e.ts);
    int64_t start = FloorTo(e.ts, c.size_ms);
    if (start != current_start || current == nullptr) {
      current = &windows[start];
      current_start = start;
    }
    ++(*current)[e.key];
    if ((i + 1) % 1024 == 0) fire(WatermarkAfter(max_ts));
  }
  fire(kMaxWatermark);
  return totals;
}

WindowCase Tumbling(const TumblingCase& c) {
  return WindowCase{c.name, c.events, [c] { return TumblingBaseline(c); },
                    [c](Dataflow& flow, const WindowChecksumSink& sink) {
                      const uint64_t keys = c.keys, rate = c.events_per_ms;
                      flow.Source(GeneratorSource([keys, rate](uint64_t i) {
                                    return TimedEvent(i, keys, rate);
                                  }).Count(c.events))
                          .AssignTimestamps(
                              [](const Event& e) { return e.ts; },
                              WatermarkStrategy::BoundedOutOfOrderness(kDisorderMs))
                          .KeyBy([](const Event& e) { return e.key; })
                          .Window(TumblingWindows(c.size_ms))
                          .Aggregate(aggregates::Count())
                          .Sink(sink);
                    }};
}

// --- sliding (and tumbling) sums ---

struct SlidingCase {
  const char* name;
  uint64_t events;
  uint64_t keys;
  uint64_t events_per_ms;
  int64_t size_ms;
  int64_t slide_ms;  // size_ms for a tumbling window
};

// 60 s every 1 s over 200 s of event time; and a 1 h window every 1 s next to a 1 s
// tumbling window over the same input, to show that slices make the window's size
// cost (almost) nothing.
constexpr SlidingCase kSliding60s{
    "sliding_sum_60s_1s", 20'000'000, 1000, 100, 60'000, 1'000};
constexpr SlidingCase kSliding1h{"sliding_sum_1h_1s", 20'000'000, 100, 100,
                                 3'600'000,           1'000};
constexpr SlidingCase kTumbling1s{"tumbling_sum_1s", 20'000'000, 100, 100, 1'000, 1'000};

// Per-slide slices of per-key sums, and a running per-key total over the slices in
// the window (sums are invertible: add the slice that enters, subtract the one that
// leaves).
WindowTotals SlidingBaseline(const SlidingCase& c) {
  struct Running {
    int64_t sum = 0;
    int slices = 0;  // slices in the window where the key has events
  };
  absl::btree_map<int64_t, absl::flat_hash_map<uint64_t, int64_t>> open;
  std::deque<std::pair<int64_t, absl::flat_hash_map<uint64_t, int64_t>>> in_window;
  absl::flat_hash_map<uint64_t, Running> running;
  WindowTotals totals;
  int64_t max_ts = kMinWatermark;
  int64_t next_end = kMinWatermark;  // the next window end to fire
  auto fire_until = [&](int64_t watermark) {
    while (!open.empty() || !in_window.empty()) {
      if (next_end == kMinWatermark) next_end = open.begin()->first + c.slide_ms;
      if (next_end - 1 > watermark) return;
      // The slice ending at next_end enters the window...
      if (!open.empty() && open.begin()->first + c.slide_ms == next_end) {
        auto node = open.extract(open.begin());
        for (const auto& [key, sum] : node.mapped()) {
          Running& r = running[key];
          r.sum += sum;
          ++r.slices;
        }
        in_window.emplace_back(node.key(), std::move(node.mapped()));
      }
      // ... the one that fell out of it leaves ...
      while (!in_window.empty() && in_window.front().first < next_end - c.size_ms) {
        for (const auto& [key, sum] : in_window.front().second) {
          auto it = running.find(key);
          it->second.sum -= sum;
          if (--it->second.slices == 0) running.erase(it);
        }
        in_window.pop_front();
      }
      for (const auto& [key, r] : running) {
        totals.Fold(key, next_end - c.size_ms, next_end, r.sum);
      }
      next_end += c.slide_ms;
    }
  };
  for (uint64_t i = 0; i < c.events; ++i) {
    Event e = TimedEvent(i, c.keys, c.events_per_ms);
    max_ts = std::max(max_ts, e.ts);
    open[FloorTo(e.ts, c.slide_ms)][e.key] += e.value;
    if ((i + 1) % 1024 == 0) fire_until(WatermarkAfter(max_ts));
  }
  fire_until(kMaxWatermark);
  return totals;
}

WindowCase Sliding(const SlidingCase& c) {
  return WindowCase{
      c.name, c.events, [c] { return SlidingBaseline(c); },
      [c](Dataflow& flow, const WindowChecksumSink& sink) {
        const uint64_t keys = c.keys, rate = c.events_per_ms;
        flow.Source(GeneratorSource([keys, rate](uint64_t i) {
                      return TimedEvent(i, keys, rate);
                    }).Count(c.events))
            .AssignTimestamps([](const Event& e) { return e.ts; },
                              WatermarkStrategy::BoundedOutOfOrderness(kDisorderMs))
            .KeyBy([](const Event& e) { return e.key; })
            .Window(SlidingWindows(c.size_ms, c.slide_ms))
            .Aggregate(aggregates::Sum<int64_t>([](const Event& e) { return e.value; }))
            .Sink(sink);
      }};
}

// --- sessions ---

constexpr uint64_t kSessionEvents = 10'000'000;
constexpr uint64_t kSessionKeys = 10'000;
constexpr uint64_t kSessionEventsPerMs = 10;  // a key's events are ~1 s apart
constexpr int64_t kSessionGap = 800;

Event SessionEvent(uint64_t i) {
  Event e = GenerateEvent(i, kSessionKeys);
  e.ts = static_cast<int64_t>(i / kSessionEventsPerMs);
  return e;
}

// A session fires once the emulated watermark passes its end, as the engine's do
// (and as the other window baselines fire): a stream emits a session when it ends,
// not when its key next turns up. The watermark is Monotonous()'s, max timestamp - 1
// after each 1024-event batch. The events are in order, so open sessions end in the
// order they were last extended: they sit in a FIFO, a session that grows moves to
// its back (its old place marked dead), and the key's map entry names its place.
WindowTotals SessionBaseline() {
  struct Session {
    uint64_t key;
    int64_t start, end, count;
    bool dead;
  };
  std::vector<Session> fifo;                       // ends non-decreasing
  size_t head = 0;                                 // fifo[head...] have not fired
  uint64_t base = 0;                               // the place of fifo[0]
  absl::flat_hash_map<uint64_t, uint64_t> latest;  // key -> place of its last session
  WindowTotals totals;
  auto fire = [&](int64_t watermark) {
    for (; head < fifo.size() && fifo[head].end - 1 <= watermark; ++head) {
      const Session& s = fifo[head];
      if (!s.dead) totals.Fold(s.key, s.start, s.end, s.count);
    }
    if (head > 4096 && head * 2 > fifo.size()) {
      fifo.erase(fifo.begin(), fifo.begin() + static_cast<ptrdiff_t>(head));
      base += head;
      head = 0;
    }
  };
  int64_t max_ts = kMinWatermark;
  for (uint64_t i = 0; i < kSessionEvents; ++i) {
    Event e = SessionEvent(i);
    max_ts = std::max(max_ts, e.ts);
    auto [it, inserted] = latest.try_emplace(e.key, 0);
    Session* open = nullptr;
    if (!inserted && it->second >= base + head) open = &fifo[it->second - base];
    if (open != nullptr && e.ts < open->end) {
      ++open->count;
      if (e.ts + kSessionGap > open->end) {  // grown: to the back
        Session moved = *open;
        open->dead = true;
        moved.end = e.ts + kSessionGap;
        it->second = base + fifo.size();
        fifo.push_back(moved);
      }
    } else {  // the key's first session, or one after its last (fired or not)
      it->second = base + fifo.size();
      fifo.push_back(Session{e.key, e.ts, e.ts + kSessionGap, 1, false});
    }
    if ((i + 1) % 1024 == 0) fire(max_ts - 1);
  }
  fire(kMaxWatermark);
  return totals;
}

WindowCase Sessions() {
  return WindowCase{"session_count", kSessionEvents, [] { return SessionBaseline(); },
                    [](Dataflow& flow, const WindowChecksumSink& sink) {
                      flow.Source(GeneratorSource(SessionEvent).Count(kSessionEvents))
                          .AssignTimestamps([](const Event& e) { return e.ts; },
                                            WatermarkStrategy::Monotonous())
                          .KeyBy([](const Event& e) { return e.key; })
                          .Window(SessionWindows(kSessionGap))
                          .Aggregate(aggregates::Count())
                          .Sink(sink);
                    }};
}

const bool kRegistered = [] {
  RegisterWindowCase(Tumbling(kTumbling100));
  RegisterWindowCase(Tumbling(kTumbling1M));
  RegisterWindowCase(Sliding(kSliding60s));
  RegisterWindowCase(Sliding(kSliding1h));
  RegisterWindowCase(Sliding(kTumbling1s));
  RegisterWindowCase(Sessions());
  return true;
}();

}  // namespace
}  // namespace sluice::bench
