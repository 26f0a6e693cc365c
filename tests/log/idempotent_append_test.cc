// Idempotent appends: batches marked with a producer and sequence number are taken
// once, across reopens, rolls, damaged or missing producer snapshots and retention.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/io/log/log_partition.h"
#include "sluice/io/log/producer_table.h"
#include "sluice/io/log/record_batch.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/log/log_test_records.h"

namespace sluice::log {
namespace {

using sluice::testing::ScratchDirectory;
using testing::AddTo;
using ::testing::HasSubstr;
using testing::MakeRecord;
using testing::Model;
using testing::ModelRecord;
using testing::ReadAll;
using testing::SmallSegments;

std::vector<std::string> Warnings;
void Collect(std::string_view message) { Warnings.emplace_back(message); }

std::unique_ptr<LogPartition> OpenOrDie(const std::string& dir, const LogConfig& config) {
  return testing::OpenOrDie(dir, config, LogPartition::Access::kReadWrite, Collect);
}

// Records [first, first + count) of MakeRecord as a prepared batch of `producer`.
std::string Prepared(BatchProducer producer, int64_t first, int64_t count) {
  RecordBatchBuilder builder;
  for (int64_t i = first; i < first + count; ++i) AddTo(builder, MakeRecord(i));
  builder.SetProducer(producer);
  auto bytes = builder.FinishToString();
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : std::string();
}

// Appends and says whether the partition took it (false: a duplicate).
bool Took(LogPartition& partition, const std::string& batch) {
  auto result = partition.AppendPrepared(batch);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() && !result->duplicate;
}

TEST(IdempotentAppendTest, TheProducerIsKeptInTheBatchIndex) {
  std::string bytes = Prepared({42, 7}, 0, 3);
  auto view = RecordBatchView::ParseUnstamped(bytes);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->producer().id, 42u);
  EXPECT_EQ(view->producer().sequence, 7);
  // A batch without one reads as producer 0.
  RecordBatchBuilder plain;
  AddTo(plain, MakeRecord(0));
  auto plain_bytes = plain.FinishToString();
  ASSERT_TRUE(plain_bytes.ok());
  EXPECT_EQ(RecordBatchView::ParseUnstamped(*plain_bytes)->producer().id, 0u);
}

TEST(IdempotentAppendTest, ABatchIsTakenOnceAndLaterSequencesStillCount) {
  ScratchDirectory scratch;
  auto partition = OpenOrDie(scratch.Path("p"), SmallSegments());
  EXPECT_TRUE(Took(*partition, Prepared({1, 1}, 0, 10)));
  EXPECT_TRUE(Took(*partition, Prepared({1, 2}, 10, 10)));
  EXPECT_FALSE(Took(*partition, Prepared({1, 1}, 0, 10)));  // sent again
  EXPECT_FALSE(Took(*partition, Prepared({1, 2}, 10, 10)));
  EXPECT_TRUE(Took(*partition, Prepared({1, 5}, 20, 5)));   // gaps are allowed
  EXPECT_FALSE(Took(*partition, Prepared({1, 4}, 99, 5)));  // not above the last
  // Another producer has sequences of its own.
  EXPECT_TRUE(Took(*partition, Prepared({2, 1}, 25, 5)));
  EXPECT_EQ(partition->end_offset(), 30);
  EXPECT_EQ(ReadAll(*partition, 0), Model(0, 30));
  EXPECT_EQ(partition->LastSequence(1), 5);
  EXPECT_EQ(partition->LastSequence(3), std::nullopt);
}

TEST(IdempotentAppendTest, ABuilderWithAProducerIsRefusedAsADuplicate) {
  ScratchDirectory scratch;
  auto partition = OpenOrDie(scratch.Path("p"), SmallSegments());
  RecordBatchBuilder builder;
  AddTo(builder, MakeRecord(0));
  builder.SetProducer({9, 1});
  ASSERT_TRUE(partition->Append(builder).ok());
  auto again = partition->Append(builder);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(partition->end_offset(), 1);
}

TEST(IdempotentAppendTest, SomethingElseIsRefusedAsAPreparedBatch) {
  ScratchDirectory scratch;
  auto partition = OpenOrDie(scratch.Path("p"), SmallSegments());
  std::string batch = Prepared({1, 1}, 0, 3);
  for (std::string bad : {std::string("garbage"), batch.substr(0, batch.size() - 8),
                          batch + std::string(8, '\0'), std::string(64, '\0')}) {
    auto result = partition->AppendPrepared(bad);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << bad.size();
    EXPECT_THAT(result.status().message(), HasSubstr("not a prepared batch"));
  }
  EXPECT_EQ(partition->end_offset(), 0);
}

TEST(IdempotentAppendTest, TheProducerTableSurvivesReopening) {
  ScratchDirectory scratch;
  {
    auto partition = OpenOrDie(scratch.Path("p"), SmallSegments());
    ASSERT_TRUE(Took(*partition, Prepared({1, 1}, 0, 10)));
    ASSERT_TRUE(Took(*partition, Prepared({1, 2}, 10, 10)));
  }
  auto partition = OpenOrDie(scratch.Path("p"), SmallSegments());
  EXPECT_FALSE(Took(*partition, Prepared({1, 2}, 10, 10)));
  EXPECT_TRUE(Took(*partition, Prepared({1, 3}, 20, 10)));
  EXPECT_EQ(ReadAll(*partition, 0), Model(0, 30));
}

// Producer 1 appends first; producer 2 then rolls the partition many times, so
// producer 1's batch is in an old segment, known only through the snapshots.
std::string RollPastProducerOne(const ScratchDirectory& scratch, LogConfig config) {
  const std::string dir = scratch.Path("p");
  auto partition = OpenOrDie(dir, config);
  EXPECT_TRUE(Took(*partition, Prepared({1, 1}, 0, 10)));
  for (int64_t s = 1; s <= 60; ++s) {
    EXPECT_TRUE(Took(*partition, Prepared({2, s}, 10 * s, 10)));
  }
  EXPECT_EQ(partition->end_offset(), 610);
  return dir;
}

int64_t LastSegmentBase(const LogPartition& partition) {
  // The segment being written starts where end_offset was at the last roll; find it
  // through the files.
  int64_t last = 0;
  for (const auto& entry : std::filesystem::directory_iterator(partition.dir())) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".log")) last = std::max<int64_t>(last, std::stoll(name));
  }
  return last;
}

TEST(IdempotentAppendTest, ProducersInOlderSegmentsAreRememberedThroughSnapshots) {
  ScratchDirectory scratch;
  const std::string dir = RollPastProducerOne(scratch, SmallSegments());
  Warnings.clear();
  auto partition = OpenOrDie(dir, SmallSegments());
  EXPECT_GT(partition->segment_count(), 5);
  EXPECT_TRUE(std::filesystem::exists(
      ProducerTable::SnapshotPath(dir, LastSegmentBase(*partition))));
  EXPECT_FALSE(Took(*partition, Prepared({1, 1}, 0, 10)));
  EXPECT_FALSE(Took(*partition, Prepared({2, 60}, 600, 10)));
  EXPECT_TRUE(Warnings.empty());
  EXPECT_EQ(ReadAll(*partition, 0), Model(0, 610));
}

TEST(IdempotentAppendTest, AMissingOrDamagedSnapshotIsRebuiltFromTheSegments) {
  for (bool damage : {false, true}) {
    ScratchDirectory scratch;
    const std::string dir = RollPastProducerOne(scratch, SmallSegments());
    int64_t last = 0;
    {
      auto partition = OpenOrDie(dir, SmallSegments());
      last = LastSegmentBase(*partition);
    }
    const std::string snapshot = ProducerTable::SnapshotPath(dir, last);
    if (damage) {
      std::fstream file(snapshot, std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(20);
      file.put('\x55');
    } else {
      std::filesystem::remove(snapshot);
    }
    Warnings.clear();
    auto partition = OpenOrDie(dir, SmallSegments());
    ASSERT_EQ(Warnings.size(), 1u) << damage;
    EXPECT_THAT(Warnings[0], HasSubstr("rebuilding the producer table"));
    if (damage) {
      EXPECT_THAT(Warnings[0], HasSubstr("damaged"));
    }
    EXPECT_FALSE(Took(*partition, Prepared({1, 1}, 0, 10))) << damage;
    EXPECT_FALSE(Took(*partition, Prepared({2, 30}, 300, 10))) << damage;
    EXPECT_TRUE(std::filesystem::exists(snapshot));  // written again
  }
}

LogConfig WithRetention() {
  LogConfig config = SmallSegments();
  config.retention_bytes = 20000;
  return config;
}

TEST(IdempotentAppendTest, RetentionDeletesSnapshotsButTheLastOneRemembers) {
  ScratchDirectory scratch;
  const LogConfig config = WithRetention();
  const std::string dir = RollPastProducerOne(scratch, config);
  auto partition = OpenOrDie(dir, config);
  EXPECT_GT(partition->start_offset(), 10);  // producer 1's segment is gone
  int snapshots = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    snapshots += entry.path().extension() == ".producers";
  }
  EXPECT_LE(snapshots, partition->segment_count());
  EXPECT_FALSE(Took(*partition, Prepared({1, 1}, 0, 10)));
}

// Retention deleted producer 1's segment and the last segment's snapshot is gone
// (a roll cut short): the newest older snapshot still remembers producer 1.
TEST(IdempotentAppendTest, WithoutTheLastSnapshotAnOlderOneStillRemembers) {
  ScratchDirectory scratch;
  const LogConfig config = WithRetention();
  const std::string dir = RollPastProducerOne(scratch, config);
  {
    auto partition = OpenOrDie(dir, config);
    ASSERT_GT(partition->start_offset(), 10);
    ASSERT_GT(partition->segment_count(), 1);
    std::filesystem::remove(
        ProducerTable::SnapshotPath(dir, LastSegmentBase(*partition)));
  }
  Warnings.clear();
  auto partition = OpenOrDie(dir, config);
  ASSERT_EQ(Warnings.size(), 1u);
  EXPECT_THAT(Warnings[0], HasSubstr("rebuilding the producer table from 1 segment"));
  EXPECT_FALSE(Took(*partition, Prepared({1, 1}, 0, 10)));
  EXPECT_FALSE(Took(*partition, Prepared({2, 60}, 600, 10)));
}

// A rebuilt snapshot holds the table as of its segment's start: batches of the last
// segment (perhaps not yet on disk) are read from the segment on each open.
TEST(IdempotentAppendTest, ARebuiltSnapshotLeavesOutTheLastSegment) {
  ScratchDirectory scratch;
  const std::string dir = RollPastProducerOne(scratch, SmallSegments());
  int64_t last = 0;
  {
    auto partition = OpenOrDie(dir, SmallSegments());
    last = LastSegmentBase(*partition);
    ASSERT_TRUE(Took(*partition, Prepared({3, 1}, 610, 1)));  // in the last segment
  }
  std::filesystem::remove(ProducerTable::SnapshotPath(dir, last));
  auto partition = OpenOrDie(dir, SmallSegments());
  auto snapshot = ProducerTable::ReadSnapshot(dir, last);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_NE(snapshot->Find(1), nullptr);
  EXPECT_EQ(snapshot->Find(3), nullptr);
  EXPECT_FALSE(Took(*partition, Prepared({3, 1}, 610, 1)));  // from the segment
}

TEST(ProducerTableTest, RoundTripsAndDetectsEveryDamagedByte) {
  ProducerTable table;
  table.Record({5, 3}, 100, 1000);
  table.Record({6, 9}, 200, 2000);
  table.Record({5, 4}, 300, 3000);
  const std::string bytes = table.Encode();
  auto decoded = ProducerTable::Decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->size(), 2u);
  EXPECT_EQ(decoded->Find(5)->last_sequence, 4);
  EXPECT_EQ(decoded->Find(5)->last_offset, 300);
  EXPECT_TRUE(decoded->IsDuplicate({6, 9}));
  EXPECT_FALSE(decoded->IsDuplicate({6, 10}));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] ^= 0x20;
    EXPECT_FALSE(ProducerTable::Decode(damaged).ok()) << i;
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(ProducerTable::Decode(bytes.substr(0, n)).ok()) << n;
  }
}

TEST(ProducerTableTest, PastTheLimitTheProducersThatAppendedLongestAgoGo) {
  ProducerTable table;
  const int64_t n = ProducerTable::kMaxProducers + 3;
  // Producer i appended at time (i * 7919) mod n: a shuffled order.
  for (int64_t i = 1; i <= n; ++i) table.Record({uint64_t(i), 1}, 0, (i * 7919) % n);
  table.Evict();
  EXPECT_EQ(table.size(), ProducerTable::kMaxProducers);
  for (int64_t i = 1; i <= n; ++i) {
    const bool oldest_three = (i * 7919) % n < 3;
    EXPECT_EQ(table.Find(uint64_t(i)) == nullptr, oldest_three) << i;
  }
}

}  // namespace
}  // namespace sluice::log
