// A windowed CSV-to-CSV job with no Map to a flat struct: several aggregates in one
// window (aggregates::Combined) written with a ready window-result schema, and nested
// schema fields read and written through a path of members. Results are compared with
// a brute-force computation over the same input, parsed back with the test's own code.
#include <cstdint>
#include <map>
#include <string>
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

using ::sluice::testing::AllRunConfigs;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::RunConfigTest;
using ::sluice::testing::ScratchDirectory;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Sale {
  std::string shop;
  int64_t time = 0;
  int64_t cents = 0;
};

struct Stats {
  int64_t count = 0;
  int64_t total = 0;
  int64_t largest = 0;
};

constexpr int64_t kWindow = 100;
constexpr int kSales = 3000;

Sale MakeSale(int i) {
  uint64_t h = StableHash(static_cast<uint64_t>(i) + 17);
  static const char* kShops[] = {"north", "south", "east", "west, quoted"};
  return Sale{kShops[h % 4], i * 2 - static_cast<int64_t>((h >> 8) % 10),
              static_cast<int64_t>((h >> 20) % 10000)};
}

// (shop, window start) -> stats, by brute force.
using Expected = std::map<std::tuple<std::string, int64_t>, Stats>;

Expected BruteForce() {
  Expected expected;
  for (int i = 0; i < kSales; ++i) {
    Sale s = MakeSale(i);
    int64_t start = s.time >= 0 ? s.time / kWindow * kWindow
                                : (s.time - kWindow + 1) / kWindow * kWindow;
    Stats& stats = expected[{s.shop, start}];
    ++stats.count;
    stats.total += s.cents;
    stats.largest = std::max(stats.largest, s.cents);
  }
  return expected;
}

std::string SalesCsv() {
  std::string csv = "shop,time,cents\n";
  for (int i = 0; i < kSales; ++i) {
    Sale s = MakeSale(i);
    std::string shop =
        s.shop.find(',') == std::string::npos ? s.shop : "\"" + s.shop + "\"";
    csv += shop + "," + std::to_string(s.time) + "," + std::to_string(s.cents) + "\n";
  }
  return csv;
}

RecordSchema<Sale> SaleSchema() {
  return RecordSchema<Sale>()
      .Field("shop", &Sale::shop)
      .Field("time", &Sale::time)
      .Field("cents", &Sale::cents);
}

RecordSchema<Stats> StatsSchema() {
  return RecordSchema<Stats>()
      .Field("count", &Stats::count)
      .Field("total", &Stats::total)
      .Field("largest", &Stats::largest);
}

// The CSV lines the job must write, in sorted order, spelled out by the test.
std::vector<std::string> ExpectedLines(const Expected& expected) {
  std::vector<std::string> lines;
  for (const auto& [key, stats] : expected) {
    const auto& [shop, start] = key;
    std::string quoted = shop.find(',') == std::string::npos ? shop : "\"" + shop + "\"";
    lines.push_back(quoted + "," + std::to_string(start) + "," +
                    std::to_string(start + kWindow) + "," + std::to_string(stats.count) +
                    "," + std::to_string(stats.total) + "," +
                    std::to_string(stats.largest));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> SortedBody(const std::string& path, std::string* header) {
  std::vector<std::string> lines = ScratchDirectory::ReadLines(path);
  EXPECT_FALSE(lines.empty());
  if (lines.empty()) return lines;
  *header = lines.front();
  lines.erase(lines.begin());
  std::sort(lines.begin(), lines.end());
  return lines;
}

class WindowResultFileTest : public RunConfigTest {};

TEST_P(WindowResultFileTest, CombinedAggregatesGoStraightToCsv) {
  ScratchDirectory dir;
  std::string in = dir.Write("sales.csv", SalesCsv());
  std::string out = dir.Path("stats.csv");
  Dataflow flow;
  flow.Source(CsvSource<Sale>(in, SaleSchema()).Header())
      .AssignTimestamps([](const Sale& s) { return s.time; },
                        WatermarkStrategy::BoundedOutOfOrderness(10))
      .KeyBy([](const Sale& s) { return s.shop; })
      .Window(TumblingWindows(kWindow))
      .Aggregate(aggregates::Combined<Stats>(
          aggregates::Count(),
          aggregates::Sum<int64_t>([](const Sale& s) { return s.cents; }),
          aggregates::Max<int64_t>([](const Sale& s) { return s.cents; })))
      .Sink(CsvSink(out, WindowResultSchema<std::string>(StatsSchema())).Header());
  SLUICE_ASSERT_OK(flow.Run(Options()));

  std::string header;
  std::vector<std::string> lines = SortedBody(out, &header);
  EXPECT_EQ(header, "key,start,end,count,total,largest");
  EXPECT_EQ(lines, ExpectedLines(BruteForce()));
}

// Sliding windows merge the accumulators of slices: Combined merges each part.
TEST_P(WindowResultFileTest, CombinedAggregatesMergeAcrossSlices) {
  Dataflow flow;
  CollectorSink<WindowResult<std::string, std::tuple<int64_t, int64_t>>> sink;
  std::vector<Sale> sales;
  for (int i = 0; i < kSales; ++i) sales.push_back(MakeSale(i));
  flow.Source(CollectionSource(sales))
      .AssignTimestamps([](const Sale& s) { return s.time; },
                        WatermarkStrategy::BoundedOutOfOrderness(10))
      .KeyBy([](const Sale& s) { return s.shop; })
      .Window(SlidingWindows(2 * kWindow, kWindow))
      .Aggregate(aggregates::Combined(
          aggregates::Count(),
          aggregates::Sum<int64_t>([](const Sale& s) { return s.cents; })))
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));

  // Each sliding window is two adjacent tumbling ones of the brute force.
  Expected tumbling = BruteForce();
  std::map<std::tuple<std::string, int64_t>, std::tuple<int64_t, int64_t>> expected;
  for (const auto& [key, stats] : tumbling) {
    const auto& [shop, start] = key;
    for (int64_t window : {start, start - kWindow}) {
      auto& [count, total] = expected[{shop, window}];
      count += stats.count;
      total += stats.total;
    }
  }
  std::map<std::tuple<std::string, int64_t>, std::tuple<int64_t, int64_t>> actual;
  for (const auto& r : sink.Items()) {
    EXPECT_EQ(r.end - r.start, 2 * kWindow);
    EXPECT_TRUE(actual.emplace(std::tuple{r.key, r.start}, r.value).second)
        << "two results for " << r.key << " at " << r.start;
  }
  EXPECT_EQ(actual, expected);
}

// The same combinator as a rolling aggregate per key, emitted at end of input; the
// key reaches the parts that take it.
TEST_P(WindowResultFileTest, CombinedAggregatesServeKeyedAggregates) {
  struct CountWithKey {
    int64_t CreateAccumulator() const { return 0; }
    void Add(int64_t& n, const Sale&) const { ++n; }
    std::string Result(const std::string& key, const int64_t& n) const {
      return key + "=" + std::to_string(n);
    }
  };
  struct Labelled {
    std::string label;
    int64_t total = 0;
  };
  Dataflow flow;
  CollectorSink<Labelled> sink;
  std::vector<Sale> sales;
  for (int i = 0; i < kSales; ++i) sales.push_back(MakeSale(i));
  flow.Source(CollectionSource(sales))
      .KeyBy([](const Sale& s) { return s.shop; })
      .AggregateAtEnd(aggregates::Combined<Labelled>(
          CountWithKey{},
          aggregates::Sum<int64_t>([](const Sale& s) { return s.cents; })))
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));

  std::map<std::string, std::tuple<int64_t, int64_t>> by_shop;
  for (int i = 0; i < kSales; ++i) {
    Sale s = MakeSale(i);
    ++std::get<0>(by_shop[s.shop]);
    std::get<1>(by_shop[s.shop]) += s.cents;
  }
  std::map<std::string, int64_t> expected;
  for (const auto& [shop, counts] : by_shop) {
    expected[shop + "=" + std::to_string(std::get<0>(counts))] = std::get<1>(counts);
  }
  std::map<std::string, int64_t> actual;
  for (const Labelled& l : sink.Items()) actual[l.label] = l.total;
  EXPECT_EQ(actual, expected);
}

INSTANTIATE_TEST_SUITE_P(Configs, WindowResultFileTest, AllRunConfigs(), RunConfigName);

struct Inner {
  int64_t id = 0;
  std::string name;
};
struct Outer {
  Inner inner;
  double score = 0;
  Stats stats;
};

// A path of members reads and writes a nested field; Fields embeds a whole schema.
TEST(NestedSchemaFieldTest, PathsAndEmbeddedSchemasRoundTripThroughJsonLines) {
  auto schema = RecordSchema<Outer>()
                    .Field("id", &Outer::inner, &Inner::id)
                    .OptionalField("name", &Outer::inner, &Inner::name)
                    .Field("score", &Outer::score)
                    .Fields(&Outer::stats, StatsSchema());
  EXPECT_THAT(schema.Names(),
              ElementsAre("id", "name", "score", "count", "total", "largest"));

  ScratchDirectory dir;
  std::string in =
      dir.Write("in.jsonl",
                "{\"id\": 7, \"score\": 1.5, \"count\": 2, \"total\": 30, "
                "\"largest\": 20, \"name\": \"a\"}\n"
                "{\"largest\": 9, \"total\": 9, \"count\": 1, \"score\": 0.25, "
                "\"id\": 8}\n");
  std::string out = dir.Path("out.jsonl");
  Dataflow flow;
  flow.Source(JsonLinesSource<Outer>(in, schema)).Sink(JsonLinesSink(out, schema));
  SLUICE_ASSERT_OK(flow.Run(testing::QuietOptions()));
  EXPECT_THAT(ScratchDirectory::ReadLines(out),
              ElementsAre("{\"id\":7,\"name\":\"a\",\"score\":1.5,\"count\":2,"
                          "\"total\":30,\"largest\":20}",
                          "{\"id\":8,\"name\":\"\",\"score\":0.25,\"count\":1,"
                          "\"total\":9,\"largest\":9}"));
}

TEST(NestedSchemaFieldTest, ErrorsNameTheNestedField) {
  auto schema = RecordSchema<Outer>()
                    .Field("id", &Outer::inner, &Inner::id)
                    .Fields(&Outer::stats, StatsSchema());
  ScratchDirectory dir;
  std::string in = dir.Write("in.csv", "1,2,x,4\n");
  Dataflow flow;
  CollectorSink<Outer> sink;
  flow.Source(CsvSource<Outer>(in, schema)).Sink(sink);
  absl::Status status = flow.Run(testing::QuietOptions());
  EXPECT_THAT(std::string(status.message()), HasSubstr("field 'total'"));
}

TEST(NestedSchemaFieldTest, DuplicateNamesFromAnEmbeddedSchemaFailTheBuild) {
  auto schema = RecordSchema<Outer>()
                    .Field("count", &Outer::inner, &Inner::id)
                    .Fields(&Outer::stats, StatsSchema());
  ScratchDirectory dir;
  Dataflow flow;
  flow.Source(CollectionSource(std::vector<Outer>(1)))
      .Sink(CsvSink(dir.Path("out.csv"), schema));
  absl::Status status = flow.Run(testing::QuietOptions());
  EXPECT_THAT(std::string(status.message()), HasSubstr("count"));
}

// The copy a setter returns is changed; the schema it was called on is not.
TEST(NestedSchemaFieldTest, FieldReturnsAChangedCopy) {
  auto base = RecordSchema<Stats>().Field("count", &Stats::count);
  auto more = base.Field("total", &Stats::total);
  EXPECT_EQ(base.size(), 1u);
  EXPECT_EQ(more.size(), 2u);
}

}  // namespace
}  // namespace sluice
