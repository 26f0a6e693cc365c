// One large input file read by several readers, each a byte range of it: every
// record is read exactly once at parallelism 1 and 2 with re-cut batches, both
// readers get work at parallelism 2, bad records in a later range keep the line
// numbers of the whole file, a CSV header is checked once, and a CSV whose quoted
// fields may hold line breaks is not cut. Expectations are worked out by the test.
#include <algorithm>
#include <cstdint>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
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

struct Sale {
  int64_t id = 0;
  int64_t cents = 0;
  std::string shop;
  bool operator==(const Sale&) const = default;
};

RecordSchema<Sale> SaleSchema() {
  return RecordSchema<Sale>()
      .Field("id", &Sale::id)
      .Field("cents", &Sale::cents)
      .Field("shop", &Sale::shop);
}

// About 3 MiB: larger than two minimum ranges (1 MiB each).
constexpr int kSales = 60000;

Sale MakeSale(int i) {
  return Sale{i, (i * 7919) % 100000, i % 3 == 0 ? "north" : "south"};
}

std::string JsonLine(const Sale& s) {
  return "{\"id\": " + std::to_string(s.id) + ", \"cents\": " + std::to_string(s.cents) +
         ", \"shop\": \"" + s.shop + "\"}\n";
}

// Records read by each instance of the source, from the job's metrics.
std::vector<uint64_t> RecordsPerReader(const Job& job) {
  std::vector<uint64_t> out;
  for (const OperatorMetricsSnapshot& m : job.Metrics()) {
    if (m.name == "sales") out.push_back(m.records_out);
  }
  return out;
}

// By id: gmock's UnorderedElementsAreArray matches in quadratic time, too slow here.
std::vector<Sale> SortedById(std::vector<Sale> sales) {
  std::sort(sales.begin(), sales.end(),
            [](const Sale& a, const Sale& b) { return a.id < b.id; });
  return sales;
}

class LargeFileSplitTest : public RunConfigTest {};

TEST_P(LargeFileSplitTest, EveryRecordOnceAndEveryReaderBusy) {
  ScratchDirectory dir;
  std::string content;
  std::vector<Sale> expected;
  for (int i = 0; i < kSales; ++i) {
    expected.push_back(MakeSale(i));
    content += JsonLine(expected.back());
  }
  std::string path = dir.Write("sales.jsonl", content);
  ASSERT_GT(content.size(), 2u << 20);

  Dataflow flow;
  CollectorSink<Sale> sink;
  flow.Source(JsonLinesSource(path, SaleSchema())).Name("sales").Sink(sink);
  auto job = flow.Build(Options());
  ASSERT_TRUE(job.ok()) << job.status();
  SLUICE_ASSERT_OK(job->Run());
  EXPECT_EQ(SortedById(sink.Items()), expected);
  std::vector<uint64_t> per_reader = RecordsPerReader(*job);
  ASSERT_EQ(per_reader.size(), static_cast<size_t>(GetParam().parallelism));
  for (uint64_t records : per_reader) {
    // Halves of the file by bytes: each reader has close to half the records.
    EXPECT_GT(records, kSales / GetParam().parallelism * 9 / 10);
  }
}

TEST_P(LargeFileSplitTest, BadRecordsInALaterRangeKeepTheirLineNumbers) {
  ScratchDirectory dir;
  std::string content;
  std::vector<Sale> good;
  std::set<uint64_t> bad_lines;
  for (int i = 0; i < kSales; ++i) {
    if (i % 9973 == 5) {
      content += "{\"id\": \"not a number\"}\n";
      bad_lines.insert(static_cast<uint64_t>(i) + 1);
      continue;
    }
    good.push_back(MakeSale(i));
    content += JsonLine(good.back());
  }
  std::string path = dir.Write("sales.jsonl", content);
  std::string dead_letters = dir.Path("rejected.jsonl");
  Dataflow flow;
  CollectorSink<Sale> sink;
  flow.Source(JsonLinesSource(path, SaleSchema())
                  .OnBadRecord(BadRecordPolicy::DeadLetter(dead_letters)))
      .Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(Options()));
  EXPECT_EQ(SortedById(sink.Items()), good);
  const std::regex kLine(R"re("line":(\d+))re");
  std::set<uint64_t> reported;
  for (const std::string& line : ScratchDirectory::ReadLines(dead_letters)) {
    std::smatch match;
    ASSERT_TRUE(std::regex_search(line, match, kLine)) << line;
    reported.insert(std::stoull(match[1]));
  }
  EXPECT_EQ(reported, bad_lines);
}

TEST_P(LargeFileSplitTest, SingleLineCsvIsCutAndItsHeaderCheckedOnce) {
  ScratchDirectory dir;
  std::string content = "id,cents,shop\n";
  std::vector<Sale> expected;
  for (int i = 0; i < kSales * 2; ++i) {
    expected.push_back(MakeSale(i));
    const Sale& s = expected.back();
    content += std::to_string(s.id) + "," + std::to_string(s.cents) + "," + s.shop + "\n";
  }
  std::string path = dir.Write("sales.csv", content);
  for (bool single_line : {false, true}) {
    SCOPED_TRACE(single_line ? "single-line records" : "quoted line breaks allowed");
    Dataflow flow;
    CollectorSink<Sale> sink;
    flow.Source(CsvSource(path, SaleSchema()).Header().SingleLineRecords(single_line))
        .Name("sales")
        .Sink(sink);
    auto job = flow.Build(Options());
    ASSERT_TRUE(job.ok()) << job.status();
    SLUICE_ASSERT_OK(job->Run());
    EXPECT_EQ(SortedById(sink.Items()), expected);
    std::vector<uint64_t> per_reader = RecordsPerReader(*job);
    // Not cut: one reader reads the whole file, the other nothing.
    const uint64_t busy = static_cast<uint64_t>(std::count_if(
        per_reader.begin(), per_reader.end(), [](uint64_t n) { return n > 0; }));
    EXPECT_EQ(busy, single_line ? per_reader.size() : 1u);
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, LargeFileSplitTest, AllRunConfigs(), RunConfigName);

}  // namespace
}  // namespace sluice
