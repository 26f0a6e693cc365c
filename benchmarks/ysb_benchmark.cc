// The Yahoo Streaming Benchmark job: generated ad events (view, click or purchase on
// 1,000 ads in 100 campaigns), keep the views, look up each ad's campaign, count views
// per campaign in 10 s event-time tumbling windows. The engine runs it at 1 and 2
// threads; the baseline is the same work as one hand-written loop.
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "sluice/benchmarks/timed_event.h"
#include "sluice/benchmarks/window_benchmark_case.h"
#include "sluice/benchmarks/window_checksum.h"
#include "sluice/sluice.h"

namespace sluice::bench {
namespace {

constexpr uint64_t kEvents = 20'000'000;
constexpr uint64_t kAds = 1000;
constexpr uint64_t kCampaigns = 100;
constexpr uint64_t kEventsPerMs = 1000;  // 1 M events per second of event time
constexpr int64_t kWindowMs = 10'000;
constexpr int64_t kView = 0;

// Event i: key = ad, value = event type (0 view, 1 click, 2 purchase).
Event AdEvent(uint64_t i) {
  Event e = TimedEvent(i, kAds, kEventsPerMs);
  e.value = static_cast<int64_t>(MixBits(i ^ 0x9e3779b9ULL) % 3);
  return e;
}

// The ad -> campaign table, as the job would load it: ten ads per campaign, shuffled.
const std::vector<uint64_t>& CampaignOfAd() {
  static const auto* table = [] {
    auto* t = new std::vector<uint64_t>(kAds);
    for (uint64_t ad = 0; ad < kAds; ++ad) (*t)[ad] = MixBits(ad) % kCampaigns;
    return t;
  }();
  return *table;
}

WindowTotals Baseline() {
  const std::vector<uint64_t>& campaign_of = CampaignOfAd();
  absl::btree_map<int64_t, absl::flat_hash_map<uint64_t, int64_t>> windows;
  WindowTotals totals;
  int64_t max_ts = kMinWatermark;
  auto fire = [&](int64_t watermark) {
    while (!windows.empty() && windows.begin()->first + kWindowMs - 1 <= watermark) {
      int64_t start = windows.begin()->first;
      for (const auto& [campaign, count] : windows.begin()->second) {
        totals.Fold(campaign, start, start + kWindowMs, count);
      }
      windows.erase(windows.begin());
    }
  };
  absl::flat_hash_map<uint64_t, int64_t>* current = nullptr;
  int64_t current_start = kMinWatermark;
  for (uint64_t i = 0; i < kEvents; ++i) {
    Event e = AdEvent(i);
    max_ts = std::max(max_ts, e.ts);
    if (e.value == kView) {
      int64_t start = FloorTo(e.ts, kWindowMs);
      if (current == nullptr || start != current_start) {
        current = &windows[start];
        current_start = start;
      }
      ++(*current)[campaign_of[e.key]];
    }
    if ((i + 1) % 1024 == 0) {
      fire(WatermarkAfter(max_ts));
      current = nullptr;
    }
  }
  fire(kMaxWatermark);
  return totals;
}

WindowCase Ysb() {
  return WindowCase{"ysb", kEvents, [] { return Baseline(); },
                    [](Dataflow& flow, const WindowChecksumSink& sink) {
                      const std::vector<uint64_t>* campaign_of = &CampaignOfAd();
                      flow.Source(GeneratorSource(AdEvent).Count(kEvents))
                          .AssignTimestamps(
                              [](const Event& e) { return e.ts; },
                              WatermarkStrategy::BoundedOutOfOrderness(kDisorderMs))
                          .Filter([](const Event& e) { return e.value == kView; })
                          .Map([campaign_of](const Event& e) {
                            Event out = e;
                            out.key = (*campaign_of)[e.key];
                            return out;
                          })
                          .KeyBy([](const Event& e) { return e.key; })
                          .Window(TumblingWindows(kWindowMs))
                          .Aggregate(aggregates::Count())
                          .Sink(sink);
                    }};
}

const bool kRegistered = [] {
  RegisterWindowCase(Ysb());
  return true;
}();

}  // namespace
}  // namespace sluice::bench
