// Damage to a topic's partition directories and metadata files, and to the files of
// a partition other than segment bytes (issue 17 §8): what readers and the writer
// see, what `verify` reports and what `repair` records and rebuilds. The other kinds
// are in log_damage_test.cc, whose layout comment this file's offsets follow.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/io/log/partition_meta.h"
#include "sluice/io/log/producer_table.h"
#include "sluice/tests/log/damaged_topic_test.h"
#include "sluice/tests/log/offset_probe.h"
#include "sluice/tests/log/segment_layout.h"
#include "sluice/tests/status_matchers.h"

namespace sluice::log {
namespace {

namespace fs = std::filesystem;
using sluice::testing::ScratchDirectory;
using sluice::testing::StatusIs;
using testing::AppendRange;
using testing::FlipByte;
using testing::Model;
using testing::Probe;
using Access = LogPartition::Access;
using Lost = std::map<int, std::vector<OffsetRange>>;
using Ranges = std::vector<OffsetRange>;

class LogTopicDamageTest : public testing::DamagedTopicTest {};

TEST_F(LogTopicDamageTest, ADeletedPartitionDirectoryLeavesTheOthersReadable) {
  config_.partitions = 2;
  Fill(100);
  fs::remove_all(Dir(1));
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(Probe(reader->partition(0), 0, 100), "ok[0,100)");
  LogChunk chunk;
  EXPECT_THAT(reader->partition(1).Read(0, 1, &chunk),
              StatusIs(absl::StatusCode::kDataLoss, Dir(1) + " is missing"));
  EXPECT_THAT(reader->partition(1).CheckEnd(),
              StatusIs(absl::StatusCode::kDataLoss, Dir(1) + " is missing"));
  reader.reset();
  auto writer = Open(Access::kReadWrite);
  EXPECT_THAT(writer.status(),
              StatusIs(absl::StatusCode::kDataLoss, "sluice-log repair"));
  EXPECT_FALSE(fs::exists(Dir(1)));

  EXPECT_EQ(VerifyLost(), (Lost{{1, {{0, OffsetRange::kUnknownEnd}}}}));
  // How many records it had is unknown: repair says what it needs to go on.
  auto unsure = LogRepair::RepairTopic(scratch_.path(), "t", {});
  ASSERT_TRUE(unsure.ok()) << unsure.status();
  EXPECT_FALSE(unsure->complete());
  ASSERT_EQ(unsure->partitions[1].not_done.size(), 1u);
  EXPECT_THAT(unsure->partitions[1].not_done[0],
              ::testing::HasSubstr("--missing_partition_end=N"));
  EXPECT_FALSE(fs::exists(Dir(1)));
  LogRepair::Options options;
  options.missing_partition_end = 150;
  auto report = LogRepair::RepairTopic(scratch_.path(), "t", options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->complete());
  EXPECT_EQ(report->partitions[0].lost, Ranges{});
  EXPECT_EQ(report->partitions[1].lost, (Ranges{{0, 150}}));
  reader = OpenReader();
  EXPECT_EQ(Probe(reader->partition(0), 0, 100), "ok[0,100)");
  EXPECT_EQ(reader->partition(1).end_offset(), 150);
  EXPECT_EQ(Probe(reader->partition(1), 0, 150), "skip[0,150)");
  SLUICE_EXPECT_OK(reader->partition(1).CheckEnd());
  reader.reset();
  writer = Open(Access::kReadWrite);
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_EQ(AppendRange((*writer)->partition(1), 150, 10), 150);
}

TEST_F(LogTopicDamageTest, ADamagedTopicMetaIsRebuiltFromThePartitionsCopies) {
  config_.partitions = 2;
  config_.retention_bytes = int64_t{1} << 30;  // settings that are not the defaults
  config_.fsync = FsyncPolicy::kEveryBatch;
  Fill(50);
  FlipByte(scratch_.Path("t/topic.meta"), 10);
  EXPECT_THAT(Open(Access::kReadOnly).status(),
              StatusIs(absl::StatusCode::kDataLoss, "sluice-log repair"));
  auto verified = LogVerifier::VerifyTopic(scratch_.path(), "t");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->damaged());
  ASSERT_EQ(verified->problems.size(), 1u);
  EXPECT_THAT(verified->problems[0].ToString(), ::testing::HasSubstr("topic.meta"));
  EXPECT_EQ(Repair(), Ranges{});
  EXPECT_TRUE(fs::exists(scratch_.Path("t/damaged/topic.meta")));
  auto config = LogTopic::ReadConfig(scratch_.path(), "t");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(*config == config_);
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(Probe(reader->partition(1), 0, 50), "ok[0,50)");
}

// A log from before partition.meta has no copy of the settings: repair says which to
// give, then takes them.
TEST_F(LogTopicDamageTest, ATopicMetaWithoutCopiesIsRebuiltFromTheSettingsGiven) {
  Fill(50);
  fs::remove(PartitionMeta::Path(Dir()));
  FlipByte(scratch_.Path("t/topic.meta"), 10);
  auto refused = LogRepair::RepairTopic(scratch_.path(), "t", {});
  EXPECT_THAT(refused.status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "--settings_from_flags"));
  EXPECT_THAT(refused.status(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                         "1 found in " + scratch_.Path("t")));
  LogRepair::Options options;
  options.settings = config_;
  options.settings->partitions = 0;  // one per directory
  EXPECT_EQ(Repair(options), Ranges{});
  auto config = LogTopic::ReadConfig(scratch_.path(), "t");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(*config == config_);
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(Probe(reader->partition(0), 0, 50), "ok[0,50)");
}

// The last segment file is gone but its .index and .producers are not: the records
// after the segment before it are lost, and how many is unknown.
TEST_F(LogTopicDamageTest, ADeletedLastSegmentLeavesTheEndUnknown) {
  Fill(220);
  fs::remove(Segment(180));
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->partition(0).end_offset(), 180);
  EXPECT_EQ(Probe(reader->partition(0), 0, 180), "ok[0,180)");
  EXPECT_THAT(reader->partition(0).CheckEnd(),
              StatusIs(absl::StatusCode::kDataLoss, Segment(180) + ": is missing"));
  reader.reset();
  EXPECT_THAT(Open(Access::kReadWrite).status(),
              StatusIs(absl::StatusCode::kDataLoss, "sluice-log repair"));
  EXPECT_EQ(VerifyLost(), (Lost{{0, {{180, OffsetRange::kUnknownEnd}}}}));
  auto unsure = LogRepair::RepairTopic(scratch_.path(), "t", {});
  ASSERT_TRUE(unsure.ok()) << unsure.status();
  EXPECT_FALSE(unsure->complete());
  LogRepair::Options options;
  options.missing_partition_end = 230;
  EXPECT_EQ(Repair(options), (Ranges{{180, 230}}));
  reader = OpenReader();
  EXPECT_EQ(Probe(reader->partition(0), 0, 230), "ok[0,180) skip[180,230)");
  SLUICE_EXPECT_OK(reader->partition(0).CheckEnd());
  reader.reset();
  ExpectWritableAt(230);
}

// Derived files: a wrong index entry and a damaged producer snapshot lose no record;
// verify finds both and repair rebuilds them.
TEST_F(LogTopicDamageTest, ADamagedIndexAndProducerSnapshotAreFoundAndRebuilt) {
  Fill(220);
  // 110.log's index: 140@6112 (the first batch 4 KiB in), then the closing entry.
  std::string index = ScratchDirectory::Read(Segment(110, ".index"));
  ASSERT_EQ(index.size(), 32u);
  uint32_t position;
  std::memcpy(&position, index.data() + 4, 4);
  ASSERT_EQ(position, 6112u);
  position = 6104;  // inside the batch before: still ascending, so it is trusted
  std::memcpy(index.data() + 4, &position, 4);
  scratch_.Write("t/partition-0/00000000000000000110.index", index);
  FlipByte(Segment(150, ".producers"), 5);
  auto verified = LogVerifier::VerifyTopic(scratch_.path(), "t");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->damaged());
  EXPECT_EQ(verified->Lost(), Lost{});
  std::vector<std::string> paths;
  for (const LogProblem& problem : verified->partitions[0].problems) {
    paths.push_back(problem.path);
  }
  EXPECT_THAT(paths, ::testing::UnorderedElementsAre(Segment(110, ".index"),
                                                     Segment(150, ".producers")));
  EXPECT_EQ(Repair(), Ranges{});
  auto reader = OpenReader();
  EXPECT_EQ(Probe(reader->partition(0), 0, 220), "ok[0,220)");
  reader.reset();
  ExpectWritableAt(220);
}

// A torn last append is no damage: verify notes it, the writer would cut it, and
// repair sets its bytes aside.
TEST_F(LogTopicDamageTest, ATornTailIsANoteAndRepairSetsItAside) {
  Fill(220);
  ASSERT_EQ(fs::file_size(Segment(180)), 8072u);  // 210@6112 is the last batch
  fs::resize_file(Segment(180), 8067);
  auto verified = LogVerifier::VerifyTopic(scratch_.path(), "t");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_FALSE(verified->damaged());
  ASSERT_EQ(verified->partitions[0].problems.size(), 1u);
  EXPECT_TRUE(verified->partitions[0].problems[0].note);
  EXPECT_THAT(verified->partitions[0].problems[0].ToString(),
              ::testing::HasSubstr("1955 bytes of an unfinished append"));
  EXPECT_EQ(Repair(), Ranges{});
  EXPECT_EQ(fs::file_size(Dir() + "/damaged/00000000000000000180.log"), 8067u);
  EXPECT_EQ(fs::file_size(Segment(180)), 6112u);
  auto reader = OpenReader();
  EXPECT_EQ(Probe(reader->partition(0), 0, 210), "ok[0,210)");
  reader.reset();
  ExpectWritableAt(210);
}

// A repair cut short by a crash: before its commit point (the original still in
// place) the next one drops the staging files and starts over; after it (the original
// in damaged/) the next one moves them into place. Either way it ends as one repair.
TEST_F(LogTopicDamageTest, ARepairCutShortIsFinishedByTheNextOne) {
  for (bool committed : {false, true}) {
    SCOPED_TRACE(committed ? "after the commit point" : "before it");
    fs::remove_all(scratch_.Path("t"));
    Fill(220);
    const std::string original = Segment(180);
    FlipByte(original, 1952 + 1000);  // the batch [190, 200) of the last segment
    const std::string bytes = ScratchDirectory::Read(original);
    if (committed) {
      scratch_.Write("t/partition-0/00000000000000000180.log.repair-00000000000000000180",
                     bytes.substr(0, 1952));
      scratch_.Write("t/partition-0/00000000000000000180.log.repair-00000000000000000200",
                     bytes.substr(4080));
      fs::create_directory(Dir() + "/damaged");
      fs::rename(original, Dir() + "/damaged/00000000000000000180.log");
    } else {
      scratch_.Write("t/partition-0/00000000000000000180.log.repair-00000000000000000200",
                     bytes.substr(4080, 100));  // cut short
    }
    auto verified = LogVerifier::VerifyTopic(scratch_.path(), "t");
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_TRUE(verified->damaged());
    EXPECT_EQ(Repair(), (Ranges{{190, 200}}));
    EXPECT_TRUE(ScratchDirectory::Read(Dir() + "/damaged/00000000000000000180.log") ==
                bytes);
    auto reader = OpenReader();
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(Probe(reader->partition(0), 0, 220), "ok[0,190) skip[190,200) ok[200,220)");
    reader.reset();
    ExpectWritableAt(220);
  }
}

}  // namespace
}  // namespace sluice::log
