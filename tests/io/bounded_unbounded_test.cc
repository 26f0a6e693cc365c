// The same event-time job over a bounded CSV file (a batch job: end of input fires
// every window) and over the same events as an unbounded stream (a streaming job:
// later events move the watermark past the windows) gives the same window results,
// and both match a brute-force count.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/runtime/stable_hash.h"
#include "sluice/sluice.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::QuietOptions;
using ::sluice::testing::ScratchDirectory;

struct Click {
  uint32_t page = 0;
  int64_t time = 0;
};

constexpr uint64_t kClicks = 5000;
constexpr uint32_t kFillerPage = 1000;  // the unbounded stream's tail, filtered out
constexpr int64_t kBound = 20;

Click MakeClick(uint64_t i) {
  uint64_t h = StableHash(i + 5);
  return Click{static_cast<uint32_t>(h % 4),
               static_cast<int64_t>(i) * 3 - static_cast<int64_t>((h >> 16) % kBound)};
}

using Counts = std::map<std::tuple<uint32_t, int64_t, int64_t>, int64_t>;

Counts ToCounts(const std::vector<WindowResult<uint32_t, int64_t>>& results) {
  Counts counts;
  for (const auto& r : results) counts[{r.key, r.start, r.end}] += r.value;
  return counts;
}

// The job, from any source of clicks.
template <class Source>
void AddJob(Dataflow& flow, Source source,
            const CollectorSink<WindowResult<uint32_t, int64_t>>& sink) {
  flow.Source(std::move(source))
      .AssignTimestamps([](const Click& c) { return c.time; },
                        WatermarkStrategy::BoundedOutOfOrderness(kBound))
      .Filter([](const Click& c) { return c.page != kFillerPage; })
      .KeyBy([](const Click& c) { return c.page; })
      .Window(TumblingWindows(100))
      .Aggregate(aggregates::Count())
      .Sink(sink);
}

TEST(BoundedUnboundedTest, FileAndStreamGiveTheSameWindows) {
  Counts expected;
  std::string csv;
  for (uint64_t i = 0; i < kClicks; ++i) {
    Click c = MakeClick(i);
    int64_t start = c.time >= 0 ? c.time / 100 * 100 : (c.time - 99) / 100 * 100;
    ++expected[{c.page, start, start + 100}];
    csv += std::to_string(c.page) + "," + std::to_string(c.time) + "\n";
  }
  ScratchDirectory dir;
  std::string path = dir.Write("clicks.csv", csv);
  auto schema =
      RecordSchema<Click>().Field("page", &Click::page).Field("time", &Click::time);

  // Batch: the file ends, end of input fires every window, the job ends.
  Dataflow batch;
  CollectorSink<WindowResult<uint32_t, int64_t>> batch_sink;
  AddJob(batch, CsvSource<Click>(path, schema), batch_sink);
  SLUICE_ASSERT_OK(batch.Run(QuietOptions(2)));
  EXPECT_EQ(ToCounts(batch_sink.Items()), expected);

  // Streaming: the same clicks, then filler clicks forever whose times carry the
  // watermark past every window; the job never ends by itself.
  Dataflow stream;
  CollectorSink<WindowResult<uint32_t, int64_t>> stream_sink;
  AddJob(stream, GeneratorSource([](uint64_t i) {
                   if (i < kClicks) return MakeClick(i);
                   return Click{kFillerPage, static_cast<int64_t>(i) * 3};
                 }).RatePerSecond(2e6),
         stream_sink);
  auto job = stream.Build(QuietOptions(1));
  ASSERT_TRUE(job.ok()) << job.status();
  SLUICE_ASSERT_OK(job->Start());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (stream_sink.Size() < expected.size() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  job->Cancel();
  EXPECT_THAT(job->Wait(), testing::StatusIs(absl::StatusCode::kCancelled, ""));
  EXPECT_EQ(ToCounts(stream_sink.Items()), expected);
}

}  // namespace
}  // namespace sluice
