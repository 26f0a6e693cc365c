#include "sluice/io/log/log_partition.h"

#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/log/log_test_records.h"

namespace sluice::log {
namespace {

using sluice::testing::ScratchDirectory;
using testing::AppendRange;
using testing::MakeRecord;
using testing::Model;
using testing::ModelRecord;
using testing::ReadAll;
using testing::SmallSegments;

using Access = LogPartition::Access;

std::vector<std::string> Warnings;
void Collect(std::string_view message) { Warnings.emplace_back(message); }

std::unique_ptr<LogPartition> OpenOrDie(const std::string& dir, const LogConfig& config,
                                        Access access = Access::kReadWrite) {
  return testing::OpenOrDie(dir, config, access, Collect);
}

// Appends batches of 1 to 40 records until `total` records are in; returns the
// batch boundaries.
std::vector<int64_t> AppendRandomBatches(LogPartition& partition, int64_t total,
                                         uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<int64_t> bases;
  for (int64_t next = partition.end_offset(); next < total;) {
    int64_t count = std::min<int64_t>(total - next, 1 + random() % 40);
    bases.push_back(AppendRange(partition, next, count));
    EXPECT_EQ(bases.back(), next);
    next += count;
  }
  return bases;
}

TEST(LogPartitionTest, ReadsBackWhatWasAppendedFromEveryOffset) {
  ScratchDirectory scratch;
  auto partition = OpenOrDie(scratch.Path("p"), SmallSegments());
  AppendRandomBatches(*partition, 2000, 1);
  EXPECT_EQ(partition->start_offset(), 0);
  EXPECT_EQ(partition->end_offset(), 2000);
  EXPECT_GT(partition->segment_count(), 10);  // rolled by size
  const std::vector<ModelRecord> all = Model(0, 2000);
  for (size_t max_bytes : {size_t{1}, size_t{700}, size_t{1} << 20}) {
    EXPECT_EQ(ReadAll(*partition, 0, max_bytes), all) << max_bytes;
  }
  for (int64_t offset = 0; offset < 2000; offset += 7) {
    LogChunk chunk;
    ASSERT_TRUE(partition->Read(offset, 1, &chunk).ok());
    ASSERT_FALSE(chunk.empty());
    bool first = true;
    chunk.ForEach([&](const LogRecordView& view) {
      if (first) {
        EXPECT_EQ(view.offset(), offset);
      }
      first = false;
    });
  }
}

TEST(LogPartitionTest, ReadAtTheEndIsEmptyAndOutsideIsOutOfRange) {
  ScratchDirectory scratch;
  auto partition = OpenOrDie(scratch.Path("p"), SmallSegments());
  LogChunk chunk;
  ASSERT_TRUE(partition->Read(0, 100, &chunk).ok());
  EXPECT_TRUE(chunk.empty());
  AppendRange(*partition, 0, 10);
  ASSERT_TRUE(partition->Read(10, 100, &chunk).ok());
  EXPECT_TRUE(chunk.empty());
  EXPECT_EQ(chunk.next_offset(), 10);
  absl::Status past = partition->Read(11, 100, &chunk);
  EXPECT_TRUE(absl::IsOutOfRange(past)) << past;
  EXPECT_TRUE(absl::IsOutOfRange(partition->Read(-1, 100, &chunk)));
}

TEST(LogPartitionTest, ReopeningKeepsRecordsAndContinuesOffsets) {
  ScratchDirectory scratch;
  const std::string dir = scratch.Path("p");
  {
    auto partition = OpenOrDie(dir, SmallSegments());
    AppendRandomBatches(*partition, 700, 2);
  }
  Warnings.clear();
  auto partition = OpenOrDie(dir, SmallSegments());
  EXPECT_TRUE(Warnings.empty()) << Warnings.front();  // a clean close needs no repair
  EXPECT_EQ(partition->end_offset(), 700);
  AppendRandomBatches(*partition, 1500, 3);
  EXPECT_EQ(ReadAll(*partition, 0), Model(0, 1500));
}

TEST(LogPartitionTest, AnOversizedBatchGetsASegmentOfItsOwn) {
  ScratchDirectory scratch;
  auto partition = OpenOrDie(scratch.Path("p"), SmallSegments());
  AppendRange(*partition, 0, 3);
  AppendRange(*partition, 3, 200);  // ~30 KB, over the 8 KB segment size
  AppendRange(*partition, 203, 3);
  EXPECT_EQ(partition->segment_count(), 3);
  EXPECT_EQ(ReadAll(*partition, 0, 100), Model(0, 206));
}

TEST(LogPartitionTest, RetentionBySizeDeletesTheOldestSealedSegments) {
  ScratchDirectory scratch;
  LogConfig config = SmallSegments();
  config.retention_bytes = 40000;
  auto partition = OpenOrDie(scratch.Path("p"), config);
  AppendRandomBatches(*partition, 3000, 4);
  const int64_t start = partition->start_offset();
  EXPECT_GT(start, 0);
  // Whole segments only: the rest stays within the limit plus one segment.
  EXPECT_LE(partition->size_bytes(), 40000u + 8192u + 40 * 400);
  EXPECT_EQ(ReadAll(*partition, start), Model(start, 3000));
  LogChunk chunk;
  absl::Status gone = partition->Read(start - 1, 100, &chunk);
  EXPECT_TRUE(absl::IsOutOfRange(gone)) << gone;
  EXPECT_NE(gone.message().find("deleted by retention"), std::string::npos);
  // The files are gone too, and a reopened partition starts where this one does.
  partition.reset();
  auto reopened = OpenOrDie(scratch.Path("p"), config);
  EXPECT_EQ(reopened->start_offset(), start);
}

TEST(LogPartitionTest, RetentionByTimeUsesTheNewestRecordOfASegment) {
  ScratchDirectory scratch;
  LogConfig config = SmallSegments();
  // Far longer than the records' age (2023), so rolls, which go by the wall clock,
  // delete nothing before the test's own "now".
  config.retention_ms = 10'000'000'000'000;
  auto partition = OpenOrDie(scratch.Path("p"), config);
  AppendRandomBatches(*partition, 1000, 5);  // record i at 1.7e12 + 10 i ms
  const int segments = partition->segment_count();
  // At "now" = record 500's time + retention, segments whose newest record is before
  // record 500 go; the one holding record 500 stays.
  const int64_t now = MakeRecord(500).timestamp + config.retention_ms;
  ASSERT_TRUE(partition->EnforceRetention(now).ok());
  EXPECT_LT(partition->segment_count(), segments);
  const int64_t start = partition->start_offset();
  EXPECT_LE(start, 500);
  EXPECT_GT(start, 300);  // ~25 records of ~150 bytes per 8 KB segment
  EXPECT_EQ(ReadAll(*partition, start), Model(start, 1000));
  // After a reopen, segment times come from the sealed indexes' closing entries.
  partition.reset();
  partition = OpenOrDie(scratch.Path("p"), config);
  ASSERT_TRUE(
      partition->EnforceRetention(MakeRecord(800).timestamp + config.retention_ms).ok());
  EXPECT_GT(partition->start_offset(), start);
  EXPECT_LE(partition->start_offset(), 800);
}

TEST(LogPartitionTest, AReadOnlyFollowerSeesAppendsAndRolls) {
  ScratchDirectory scratch;
  const std::string dir = scratch.Path("p");
  auto writer = OpenOrDie(dir, SmallSegments());
  AppendRange(*writer, 0, 10);
  auto reader = OpenOrDie(dir, SmallSegments(), Access::kReadOnly);
  EXPECT_EQ(reader->end_offset(), 10);
  AppendRandomBatches(*writer, 600, 6);  // rolls several times
  EXPECT_EQ(reader->end_offset(), 10);
  ASSERT_TRUE(reader->Refresh().ok());
  EXPECT_EQ(reader->end_offset(), 600);
  EXPECT_EQ(ReadAll(*reader, 0), Model(0, 600));
  auto refused = reader->Append(*std::make_unique<RecordBatchBuilder>());
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
}

TEST(LogPartitionTest, ReadersRunConcurrentlyWithTheWriter) {
  ScratchDirectory scratch;
  auto partition = OpenOrDie(scratch.Path("p"), SmallSegments());
  constexpr int64_t kTotal = 5000;
  std::thread writer([&] { AppendRandomBatches(*partition, kTotal, 7); });
  std::vector<ModelRecord> seen;
  LogChunk chunk;
  for (int64_t offset = 0; offset < kTotal;) {
    absl::Status status = partition->Read(offset, 2048, &chunk);
    EXPECT_TRUE(status.ok()) << status;
    if (!status.ok()) break;  // not ASSERT: the writer thread must be joined
    chunk.ForEach(
        [&](const LogRecordView& view) { seen.push_back(testing::FromView(view)); });
    if (chunk.empty()) std::this_thread::yield();
    offset = chunk.next_offset();
  }
  writer.join();
  EXPECT_EQ(seen, Model(0, kTotal));
}

TEST(LogPartitionTest, EveryFsyncPolicyKeepsTheRecords) {
  for (FsyncPolicy policy :
       {FsyncPolicy::kEveryBatch, FsyncPolicy::kInterval, FsyncPolicy::kNone}) {
    ScratchDirectory scratch;
    LogConfig config = SmallSegments();
    config.fsync = policy;
    config.fsync_interval_ms = 1;
    {
      auto partition = OpenOrDie(scratch.Path("p"), config);
      AppendRandomBatches(*partition, 300, 8);
      ASSERT_TRUE(partition->Sync().ok());
    }
    auto partition = OpenOrDie(scratch.Path("p"), config);
    EXPECT_EQ(ReadAll(*partition, 0), Model(0, 300)) << FsyncPolicyName(policy);
  }
}

TEST(LogPartitionTest, BadSettingsAreRefusedByName) {
  ScratchDirectory scratch;
  LogConfig config;
  config.segment_bytes = 100;
  auto partition =
      LogPartition::Open(scratch.Path("p"), config, Access::kReadWrite, Collect);
  ASSERT_FALSE(partition.ok());
  EXPECT_NE(partition.status().message().find("segment_bytes"), std::string::npos);
  config = LogConfig();
  config.retention_ms = -5;
  EXPECT_NE(config.Validate().message().find("retention_ms"), std::string::npos);
  EXPECT_FALSE(ParseFsyncPolicy("sometimes").ok());
  EXPECT_EQ(*ParseFsyncPolicy("os"), FsyncPolicy::kNone);
}

}  // namespace
}  // namespace sluice::log
