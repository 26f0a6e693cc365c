// Damage that is not a torn tail (issue 17, §7 and §8), one test per kind: which
// offsets a reader can read and what error the others give, whether a writer opens,
// what `verify` reports lost, what `repair` records as lost and what readers and the
// writer see after it. The expected offsets are worked out by hand from the layout of
// 220 records of MakeRecord in batches of 10 with 8 KiB segments (offset@position):
//
//   0.log: 0@0 10@1944 20@4072 30@6104      40.log: 40@0 ... 70@6104 (7928 bytes)
//   80.log: 80@0 90@2328 100@4280 (6408 bytes)
//   110.log: 110@0 120@2024 130@3984 140@6112     150.log: 150@0 160@2248 170@4376
//   180.log (the last): 180@0 190@1952 200@4080 210@6112
//
// which each test checks where it depends on it. Damaging one batch loses its 10
// offsets; the index (every 4 KiB) often points before the damage.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/log/damaged_topic_test.h"
#include "sluice/tests/log/log_test_records.h"
#include "sluice/tests/log/offset_probe.h"
#include "sluice/tests/log/segment_layout.h"
#include "sluice/tests/status_matchers.h"

namespace sluice::log {
namespace {

namespace fs = std::filesystem;
using sluice::testing::ScratchDirectory;
using sluice::testing::StatusIs;
using testing::AppendRange;
using testing::BatchAt;
using testing::BatchStartingAt;
using testing::FlipByte;
using testing::Model;
using testing::Probe;
using testing::ReadUntilError;
using testing::SegmentLayout;
using testing::SegmentLogs;
using Access = LogPartition::Access;
using Lost = std::map<int, std::vector<OffsetRange>>;
using Ranges = std::vector<OffsetRange>;

class LogDamageTest : public testing::DamagedTopicTest {};

TEST_F(LogDamageTest, AFlipInTheMiddleOfTheLastSegmentIsDataLossNotTheEndOfTheLog) {
  Fill(220);
  const BatchAt damaged = BatchStartingAt(SegmentLayout(Dir()), 190);
  ASSERT_EQ(damaged.file, Segment(180));  // the last segment: [180, 220)
  ASSERT_EQ(damaged.position, 1952u);
  FlipByte(damaged.file, damaged.position + 1000);
  const std::string bytes = ScratchDirectory::Read(damaged.file);
  {
    auto reader = OpenReader();
    ASSERT_NE(reader, nullptr);
    LogPartition& partition = reader->partition(0);
    EXPECT_EQ(partition.end_offset(), 220);
    EXPECT_EQ(Probe(partition, 0, 220), "ok[0,190) loss[190,200) ok[200,220)");
    auto [records, status] = ReadUntilError(partition, 0);
    EXPECT_TRUE(records == Model(0, 190)) << records.size() << " records";
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss,
                                 damaged.file + " is damaged at position 1952"));
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss, "offsets [190, 200)"));
  }
  // The writer neither cuts the intact batches after the damage nor reuses offsets.
  auto writer = Open(Access::kReadWrite);
  EXPECT_THAT(writer.status(),
              StatusIs(absl::StatusCode::kDataLoss, "sluice-log repair"));
  EXPECT_THAT(writer.status(), StatusIs(absl::StatusCode::kDataLoss, damaged.file));
  EXPECT_TRUE(ScratchDirectory::Read(damaged.file) == bytes);  // nothing was cut

  EXPECT_EQ(VerifyLost(), (Lost{{0, {{190, 200}}}}));
  EXPECT_EQ(Repair(), (Ranges{{190, 200}}));
  // The original is kept whole; offsets are not renumbered and [190, 200) is passed
  // over, with the chunk saying so.
  EXPECT_TRUE(ScratchDirectory::Read(Dir() + "/damaged/00000000000000000180.log") ==
              bytes);
  {
    auto reader = OpenReader();
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(Probe(reader->partition(0), 0, 220), "ok[0,190) skip[190,200) ok[200,220)");
    LogChunk chunk;
    SLUICE_ASSERT_OK(reader->partition(0).Read(185, 1 << 20, &chunk));
    EXPECT_EQ(chunk.next_offset(), 190);  // the read stops before the gap
    SLUICE_ASSERT_OK(reader->partition(0).Read(190, 1 << 20, &chunk));
    EXPECT_EQ(chunk.lost(), (OffsetRange{190, 200}));
    EXPECT_EQ(chunk.batches().front().base_offset(), 200);
  }
  ExpectWritableAt(220);
}

TEST_F(LogDamageTest, ReadersReadUpToAFlipInASealedSegmentAndPastIt) {
  Fill(220);
  const BatchAt damaged = BatchStartingAt(SegmentLayout(Dir()), 120);
  ASSERT_EQ(damaged.file, Segment(110));
  ASSERT_EQ(damaged.position, 2024u);
  FlipByte(damaged.file, damaged.position + 500);
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  LogPartition& partition = reader->partition(0);
  EXPECT_EQ(Probe(partition, 0, 220), "ok[0,120) loss[120,130) ok[130,220)");
  auto [before, stopped] = ReadUntilError(partition, 0);
  EXPECT_TRUE(before == Model(0, 120)) << before.size() << " records";
  EXPECT_THAT(stopped, StatusIs(absl::StatusCode::kDataLoss,
                                damaged.file + " is damaged at position 2024"));
  auto [after, status] = ReadUntilError(partition, 130);
  EXPECT_TRUE(after == Model(130, 220)) << after.size() << " records";
  EXPECT_TRUE(status.ok()) << status;
  reader.reset();

  EXPECT_EQ(VerifyLost(), (Lost{{0, {{120, 130}}}}));
  EXPECT_EQ(Repair(), (Ranges{{120, 130}}));
  reader = OpenReader();
  EXPECT_EQ(Probe(reader->partition(0), 0, 220), "ok[0,120) skip[120,130) ok[130,220)");
  reader.reset();
  ExpectWritableAt(220);
}

TEST_F(LogDamageTest, ASealedSegmentCutShortLosesOnlyItsLastBatch) {
  Fill(220);
  const std::string file = Segment(80);
  ASSERT_EQ(fs::file_size(file), 6408u);  // 80@0, 90@2328, 100@4280 (2128 bytes)
  fs::resize_file(file, 6398);
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  LogPartition& partition = reader->partition(0);
  EXPECT_EQ(Probe(partition, 0, 220), "ok[0,100) loss[100,110) ok[110,220)");
  LogChunk chunk;
  EXPECT_THAT(
      partition.Read(104, 1, &chunk),
      StatusIs(absl::StatusCode::kDataLoss, file + " is damaged at position 4280"));
  reader.reset();
  EXPECT_THAT(Open(Access::kReadWrite).status(),
              StatusIs(absl::StatusCode::kDataLoss, "sluice-log repair"));

  EXPECT_EQ(VerifyLost(), (Lost{{0, {{100, 110}}}}));
  EXPECT_EQ(Repair(), (Ranges{{100, 110}}));
  EXPECT_EQ(fs::file_size(Dir() + "/damaged/00000000000000000080.log"), 6398u);
  EXPECT_EQ(fs::file_size(file), 4280u);  // the two intact batches
  reader = OpenReader();
  EXPECT_EQ(Probe(reader->partition(0), 0, 220), "ok[0,100) skip[100,110) ok[110,220)");
  reader.reset();
  ExpectWritableAt(220);
}

TEST_F(LogDamageTest, BytesAddedToASealedSegmentLoseNoRecordButStopTheWriter) {
  Fill(220);
  const std::string file = Segment(40);
  ASSERT_EQ(fs::file_size(file), 7928u);
  std::ofstream(file, std::ios::binary | std::ios::app) << std::string(100, 'x');
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(Probe(reader->partition(0), 0, 220), "ok[0,220)");
  reader.reset();
  auto writer = Open(Access::kReadWrite);
  EXPECT_THAT(writer.status(), StatusIs(absl::StatusCode::kDataLoss,
                                        file + " is damaged at position 7928"));
  EXPECT_THAT(writer.status(),
              StatusIs(absl::StatusCode::kDataLoss, "sluice-log repair"));

  EXPECT_EQ(VerifyLost(), Lost{});  // damage, but no record lost
  EXPECT_EQ(Repair(), Ranges{});
  EXPECT_EQ(fs::file_size(Dir() + "/damaged/00000000000000000040.log"), 8028u);
  EXPECT_EQ(fs::file_size(file), 7928u);
  reader = OpenReader();
  EXPECT_EQ(Probe(reader->partition(0), 0, 220), "ok[0,220)");
  reader.reset();
  ExpectWritableAt(220);
}

TEST_F(LogDamageTest, ADeletedMiddleSegmentIsAGapReadersCannotPassSilently) {
  Fill(220);
  RemoveSegment(80);
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  LogPartition& partition = reader->partition(0);
  EXPECT_EQ(Probe(partition, 0, 220), "ok[0,80) loss[80,110) ok[110,220)");
  LogChunk chunk;
  EXPECT_THAT(partition.Read(95, 1, &chunk),
              StatusIs(absl::StatusCode::kDataLoss, "offsets [80, 110)"));
  reader.reset();
  EXPECT_THAT(Open(Access::kReadWrite).status(),
              StatusIs(absl::StatusCode::kDataLoss, "sluice-log repair"));

  EXPECT_EQ(VerifyLost(), (Lost{{0, {{80, 110}}}}));
  EXPECT_EQ(Repair(), (Ranges{{80, 110}}));
  reader = OpenReader();
  EXPECT_EQ(Probe(reader->partition(0), 0, 220), "ok[0,80) skip[80,110) ok[110,220)");
  reader.reset();
  ExpectWritableAt(220);
}

TEST_F(LogDamageTest, ADeletedFirstSegmentIsNoticed) {
  Fill(220);
  RemoveSegment(0);
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  LogPartition& partition = reader->partition(0);
  EXPECT_EQ(partition.start_offset(), 0);  // retention is off: nothing was deleted
  EXPECT_EQ(Probe(partition, 0, 220), "loss[0,40) ok[40,220)");
  reader.reset();
  EXPECT_THAT(Open(Access::kReadWrite).status(),
              StatusIs(absl::StatusCode::kDataLoss, "sluice-log repair"));

  EXPECT_EQ(VerifyLost(), (Lost{{0, {{0, 40}}}}));
  EXPECT_EQ(Repair(), (Ranges{{0, 40}}));
  reader = OpenReader();
  EXPECT_EQ(reader->partition(0).start_offset(), 0);
  EXPECT_EQ(Probe(reader->partition(0), 0, 220), "skip[0,40) ok[40,220)");
  reader.reset();
  ExpectWritableAt(220);
}

TEST_F(LogDamageTest, ADeletedFirstSegmentIsNoticedAfterRetentionMovedTheStart) {
  config_.retention_bytes = 20000;
  Fill(220);
  const std::vector<std::string> logs = SegmentLogs(Dir());
  ASSERT_GE(logs.size(), 2u);
  const int64_t first = std::stoll(fs::path(logs[0]).stem().string());
  const int64_t second = std::stoll(fs::path(logs[1]).stem().string());
  ASSERT_GT(first, 0);  // retention deleted the oldest segments
  RemoveSegment(first);
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  LogPartition& partition = reader->partition(0);
  EXPECT_EQ(partition.start_offset(), first);
  EXPECT_EQ(Probe(partition, first, 220),
            absl::StrCat("loss[", first, ",", second, ") ok[", second, ",220)"));
  reader.reset();
  EXPECT_EQ(VerifyLost(), (Lost{{0, {{first, second}}}}));
  EXPECT_EQ(Repair(), (Ranges{{first, second}}));
}

}  // namespace
}  // namespace sluice::log
