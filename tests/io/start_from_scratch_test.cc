// When a job with checkpoints may start from scratch: not over output its
// exactly-once sinks committed in an earlier run, and not when its checkpoint
// directory holds checkpoints none of which can be restored, unless
// CheckpointOptions::allow_start_from_scratch says so. Checkpoints a kill left
// incomplete are no reason to refuse. The job: topic "events" (2 partitions) ->
// (partition, offset) rows -> exactly-once files or topic "results"; with
// interval = 0 each run to the end leaves exactly one checkpoint, its final one,
// so which checkpoint a run restores, and so every row it writes, is known.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/sluice.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using ::sluice::testing::RunConfig;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::ScratchDirectory;
using ::sluice::testing::StatusIs;

constexpr int kPartitions = 2;
constexpr int64_t kFirst = 300;   // records per partition before the second run
constexpr int64_t kSecond = 500;  // records per partition after

struct Row {
  int64_t partition = 0;
  int64_t offset = 0;
};

// How often each (partition, offset) was committed.
using Counts = std::map<std::pair<int64_t, int64_t>, int>;

// Every record of offsets [0, `to`) in each partition `times` times, and those of
// [`from`, `to`) `extra` more times.
Counts Expected(int64_t to, int times, int64_t from = 0, int extra = 0) {
  Counts counts;
  for (int64_t p = 0; p < kPartitions; ++p) {
    for (int64_t o = 0; o < to; ++o) counts[{p, o}] = times + (o >= from ? extra : 0);
  }
  return counts;
}

enum class SinkKind { kFiles, kLog, kLogAtLeastOnce };

class StartFromScratchTest : public ::sluice::testing::RunConfigTest {
 protected:
  void SetUp() override {
    log::LogConfig config;
    config.partitions = kPartitions;
    config.fsync = log::FsyncPolicy::kNone;
    ASSERT_TRUE(log::LogTopic::Create(base_, "events", config).ok());
    ASSERT_TRUE(log::LogTopic::Create(base_, "results", config).ok());
    AppendEvents(0, kFirst);
  }

  // Record o of each partition p has the value "p,o".
  void AppendEvents(int64_t from, int64_t to) {
    auto topic =
        log::LogTopic::Open(base_, "events", log::LogPartition::Access::kReadWrite);
    ASSERT_TRUE(topic.ok()) << topic.status();
    log::RecordBatchBuilder builder;
    for (int p = 0; p < kPartitions; ++p) {
      builder.Clear();
      for (int64_t o = from; o < to; ++o) builder.Add("", absl::StrCat(p, ",", o), o, {});
      ASSERT_TRUE((*topic)->partition(p).Append(builder).ok());
    }
  }

  absl::Status Run(std::string restore_from = "latest", bool allow = false) {
    Dataflow flow;
    auto rows = flow.Source(LogSource(base_, "events")).Map([](const LogMessage& m) {
      return Row{m.partition, m.offset};
    });
    switch (sink_) {
      case SinkKind::kFiles:
        rows.Sink(CsvSink(out_, RecordSchema<Row>()
                                    .Field("partition", &Row::partition)
                                    .Field("offset", &Row::offset))
                      .ExactlyOnce());
        break;
      case SinkKind::kLog:
        rows.Sink(LogSink<Row>(base_, "results", ToRecord));
        break;
      case SinkKind::kLogAtLeastOnce:
        rows.Sink(LogSink<Row>(base_, "results", ToRecord).AtLeastOnce());
        break;
    }
    JobOptions options = Options();
    options.checkpoints.dir = checkpoints_;
    options.checkpoints.interval = std::chrono::milliseconds(0);
    options.checkpoints.restore_from = std::move(restore_from);
    options.checkpoints.allow_start_from_scratch = allow;
    return flow.Run(options);
  }
  static LogMessage ToRecord(const Row& row) {
    LogMessage record;
    record.value = absl::StrCat(row.partition, ",", row.offset);
    return record;
  }

  // Two runs to the end, the second over records appended since the first: leaves
  // checkpoint 1 (after kFirst records) and 2 (after kSecond), every record once.
  void RunTwice() {
    ASSERT_TRUE(Run().ok());
    AppendEvents(kFirst, kSecond);
    ASSERT_TRUE(Run().ok());
    ASSERT_EQ(Output(), Expected(kSecond, 1));
    ASSERT_EQ(CheckpointDirs().size(), 2u);
  }

  std::vector<std::string> CheckpointDirs() const {
    std::vector<std::string> dirs;
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(checkpoints_, ignored)) {
      if (entry.path().filename().string().starts_with("chk-")) {
        dirs.push_back(entry.path().string());
      }
    }
    std::sort(dirs.begin(), dirs.end());
    return dirs;
  }

  // The committed rows of the sink.
  Counts Output() const {
    Counts counts;
    auto add = [&](const std::string& line) {
      std::vector<std::string> f = absl::StrSplit(line, ',');
      if (f.size() != 2 || f[0] == "partition") return;  // the CSV header
      ++counts[{std::stoll(f[0]), std::stoll(f[1])}];
    };
    if (sink_ == SinkKind::kFiles) {
      std::error_code ignored;
      for (const auto& entry : fs::directory_iterator(out_, ignored)) {
        if (!entry.path().filename().string().starts_with("part-")) continue;
        std::ifstream in(entry.path());
        for (std::string line; std::getline(in, line);) add(line);
      }
      return counts;
    }
    auto topic =
        log::LogTopic::Open(base_, "results", log::LogPartition::Access::kReadOnly);
    EXPECT_TRUE(topic.ok()) << topic.status();
    if (!topic.ok()) return counts;
    for (int p = 0; p < (*topic)->partition_count(); ++p) {
      log::LogPartition& partition = (*topic)->partition(p);
      log::LogChunk chunk;
      for (int64_t o = 0; o < partition.end_offset(); o = chunk.next_offset()) {
        EXPECT_TRUE(partition.Read(o, 1 << 20, &chunk).ok());
        chunk.ForEach(
            [&](const log::LogRecordView& record) { add(std::string(record.value())); });
      }
    }
    return counts;
  }

  ScratchDirectory scratch_;
  std::string base_ = scratch_.path();  // holds the topics
  std::string out_ = scratch_.Path("out");
  std::string checkpoints_ = scratch_.Path("checkpoints");
  SinkKind sink_ = SinkKind::kFiles;
};

void FlipByte(const std::string& path) {
  std::string bytes = ScratchDirectory::Read(path);
  bytes[bytes.size() / 2] ^= 0x10;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Every checkpoint damaged: the job refuses to start, naming each checkpoint and the
// option, and writes nothing. With the option it starts from scratch: every record
// is committed once more, and its own final checkpoint is then restored normally.
TEST_P(StartFromScratchTest, EveryCheckpointDamagedRefusesToStart) {
  const std::vector<std::pair<std::string, std::string>> damages = {
      {"MANIFEST flipped", "MANIFEST is damaged"},
      {"MANIFEST deleted", "no MANIFEST"},
      {"state file truncated", "is damaged"}};
  RunTwice();
  const std::string undamaged = scratch_.path();
  for (const auto& [damage, says] : damages) {
    SCOPED_TRACE(damage);
    ScratchDirectory copy;  // of the topics, the output and the checkpoints
    fs::copy(undamaged, copy.path(), fs::copy_options::recursive);
    base_ = copy.path();
    out_ = copy.Path("out");
    checkpoints_ = copy.Path("checkpoints");
    for (const std::string& dir : CheckpointDirs()) {
      if (damage == "MANIFEST flipped") FlipByte(dir + "/MANIFEST");
      if (damage == "MANIFEST deleted") fs::remove(dir + "/MANIFEST");
      if (damage == "state file truncated") fs::resize_file(dir + "/0.state", 3);
    }
    absl::Status refused = Run();
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kDataLoss,
                                  "checkpoints.allow_start_from_scratch"));
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kDataLoss,
                                  absl::StrCat("no checkpoint in ", checkpoints_,
                                               " can be restored")));
    for (int id = 1; id <= 2; ++id) {
      EXPECT_THAT(refused, StatusIs(absl::StatusCode::kDataLoss,
                                    absl::StrCat("checkpoint ", id, " (")));
    }
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kDataLoss, says));
    EXPECT_EQ(Output(), Expected(kSecond, 1));

    ASSERT_TRUE(Run("latest", /*allow=*/true).ok());
    EXPECT_EQ(Output(), Expected(kSecond, 2));
    ASSERT_TRUE(Run().ok());  // from the final checkpoint of the run from scratch
    EXPECT_EQ(Output(), Expected(kSecond, 2));
  }
}

// The newest MANIFEST deleted: checkpoint 1 is restored, so the records after it are
// read, and committed, again.
TEST_P(StartFromScratchTest, NewestCheckpointDamagedRestoresThePreviousOne) {
  RunTwice();
  fs::remove(CheckpointDirs().back() + "/MANIFEST");
  ASSERT_TRUE(Run().ok());
  EXPECT_EQ(Output(), Expected(kSecond, 1, /*from=*/kFirst, /*extra=*/1));
}

// Committed files and no checkpoint at all (the directory deleted): refused, whether
// the job asks for the latest checkpoint or for none; allowed, every row again.
TEST_P(StartFromScratchTest, CommittedFilesWithoutACheckpointAreRefused) {
  ASSERT_TRUE(Run().ok());
  fs::remove_all(checkpoints_);
  for (const std::string restore_from : {"latest", ""}) {
    absl::Status refused = Run(restore_from);
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                  absl::StrCat("sink directory ", out_, " holds ")));
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                  "checkpoints.allow_start_from_scratch"));
    EXPECT_EQ(Output(), Expected(kFirst, 1));
  }
  ASSERT_TRUE(Run("latest", /*allow=*/true).ok());
  EXPECT_EQ(Output(), Expected(kFirst, 2));
}

TEST_P(StartFromScratchTest, ExactlyOnceLogOutputWithoutACheckpointIsRefused) {
  sink_ = SinkKind::kLog;
  ASSERT_TRUE(Run().ok());
  fs::remove_all(checkpoints_);
  EXPECT_THAT(Run(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "topic results in "));
  EXPECT_EQ(Output(), Expected(kFirst, 1));
  ASSERT_TRUE(Run("latest", /*allow=*/true).ok());
  EXPECT_EQ(Output(), Expected(kFirst, 2));
}

// At-least-once output is not guarded: such a sink repeats output after any restore.
TEST_P(StartFromScratchTest, AtLeastOnceLogOutputIsNotChecked) {
  sink_ = SinkKind::kLogAtLeastOnce;
  ASSERT_TRUE(Run().ok());
  fs::remove_all(checkpoints_);
  ASSERT_TRUE(Run().ok());
  EXPECT_EQ(Output(), Expected(kFirst, 2));
}

// What a kill leaves (a checkpoint directory without MANIFEST, with a temporary
// one; uncommitted sink files) before any checkpoint completed: a normal first start.
TEST_P(StartFromScratchTest, ACheckpointInProgressAtAKillIsNoReasonToRefuse) {
  const std::string chk = checkpoints_ + "/chk-00000000000000000001";
  fs::create_directories(chk);
  std::ofstream(chk + "/0.state") << "state written before the kill";
  std::ofstream(chk + "/MANIFEST.tmp") << "half a manifest";
  fs::create_directories(out_);
  std::ofstream(out_ + "/.part-0-0.csv.inprogress") << "partition,offset\n7,7\n";
  ASSERT_TRUE(Run().ok());
  EXPECT_EQ(Output(), Expected(kFirst, 1));
}

// Checkpoint 1 complete and committed, 2 in progress at the kill (its state files,
// no MANIFEST) with its sink file pending: 1 is restored, nothing is refused.
TEST_P(StartFromScratchTest, ACheckpointInProgressAfterACompleteOneIsIgnored) {
  ASSERT_TRUE(Run().ok());
  const std::string first = CheckpointDirs().front();
  const std::string second = checkpoints_ + "/chk-00000000000000000002";
  fs::copy(first, second);
  fs::remove(second + "/MANIFEST");
  std::ofstream(out_ + "/.part-0-99.csv.pending") << "partition,offset\n7,7\n";
  AppendEvents(kFirst, kSecond);
  ASSERT_TRUE(Run().ok());
  EXPECT_EQ(Output(), Expected(kSecond, 1));
}

INSTANTIATE_TEST_SUITE_P(Configs, StartFromScratchTest,
                         ::sluice::testing::AllRunConfigs(), RunConfigName);

}  // namespace
}  // namespace sluice
