// Crash recovery and damage: torn and garbage tails are cut on open, damaged sealed
// segments and missing segments fail loudly, lost indexes are rebuilt.
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sluice/io/log/log_partition.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/log/log_test_records.h"

namespace sluice::log {
namespace {

namespace fs = std::filesystem;
using sluice::testing::ScratchDirectory;
using testing::AppendRange;
using testing::Model;
using testing::ModelRecord;
using testing::ReadAll;

using Access = LogPartition::Access;

class LogRecoveryTest : public ::testing::Test {
 protected:
  LogRecoveryTest() {
    config_.segment_bytes = 8192;
    config_.index_interval_bytes = 512;
    config_.fsync = FsyncPolicy::kNone;
  }

  absl::StatusOr<std::unique_ptr<LogPartition>> Open(Access access = Access::kReadWrite) {
    warnings_.clear();
    return LogPartition::Open(dir(), config_, access,
                              [this](std::string_view m) { warnings_.emplace_back(m); });
  }
  std::unique_ptr<LogPartition> OpenOrDie() {
    auto partition = Open();
    EXPECT_TRUE(partition.ok()) << partition.status();
    return partition.ok() ? std::move(*partition) : nullptr;
  }
  // Writes records [0, n) in batches of 10; returns each batch's end position in
  // the last segment file.
  void Fill(int64_t n) {
    auto partition = OpenOrDie();
    for (int64_t i = 0; i < n; i += 10)
      AppendRange(*partition, i, std::min<int64_t>(10, n - i));
  }
  std::string dir() const { return scratch_.Path("p"); }
  std::vector<std::string> SegmentFiles(const char* suffix) const {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir())) {
      if (entry.path().extension() == suffix) files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
  }
  bool WarnedAbout(const std::string& text) const {
    for (const auto& w : warnings_) {
      if (w.find(text) != std::string::npos) return true;
    }
    return false;
  }

  ScratchDirectory scratch_;
  LogConfig config_;
  std::vector<std::string> warnings_;
};

TEST_F(LogRecoveryTest, ATornLastBatchIsCutAtEveryByte) {
  Fill(20);  // two batches in one segment
  const std::string file = SegmentFiles(".log").back();
  const std::string whole = ScratchDirectory::Read(file);
  const size_t first_batch_end = [&] {
    auto partition = OpenOrDie();
    LogChunk chunk;
    EXPECT_TRUE(partition->Read(0, 1, &chunk).ok());
    return chunk.batches().front().size();
  }();
  for (size_t cut = first_batch_end; cut < whole.size(); ++cut) {
    fs::resize_file(file, cut);
    auto partition = OpenOrDie();
    ASSERT_NE(partition, nullptr);
    EXPECT_EQ(partition->end_offset(), 10) << cut;
    EXPECT_EQ(ReadAll(*partition, 0), Model(0, 10)) << cut;
    if (cut > first_batch_end) {
      EXPECT_TRUE(WarnedAbout("torn or damaged tail")) << cut;
    }
    EXPECT_EQ(fs::file_size(file), first_batch_end);  // the tail is gone for good
    // Appending continues from the cut: offsets 10... are written again.
    AppendRange(*partition, 10, 10);
    EXPECT_EQ(ReadAll(*partition, 0), Model(0, 20));
    partition.reset();
    ASSERT_EQ(ScratchDirectory::Read(file), whole);  // the same bytes as before the crash
  }
}

TEST_F(LogRecoveryTest, GarbageAfterTheLastBatchNeverYieldsRecords) {
  Fill(30);
  const std::string file = SegmentFiles(".log").back();
  const uint64_t clean_size = fs::file_size(file);
  for (std::string garbage :
       {std::string(1, '\0'), std::string(31, 'x'), std::string(4096, '\0'),
        std::string("SLB1") + std::string(60, '\x05')}) {
    {
      std::ofstream out(file, std::ios::binary | std::ios::app);
      out << garbage;
    }
    auto partition = OpenOrDie();
    EXPECT_EQ(partition->end_offset(), 30);
    EXPECT_EQ(ReadAll(*partition, 0), Model(0, 30));
    EXPECT_TRUE(WarnedAbout(std::to_string(garbage.size()) + " bytes")) << garbage.size();
    EXPECT_EQ(fs::file_size(file), clean_size);
  }
}

// Damage before the last batch is not a torn tail: the writer neither cuts the intact
// batch after it nor reuses its offsets (issue 17 §7; log_damage_test.cc has more).
TEST_F(LogRecoveryTest, ADamagedBatchBeforeTheLastOneKeepsTheWriterOut) {
  Fill(30);
  const std::string file = SegmentFiles(".log").back();
  std::string bytes = ScratchDirectory::Read(file);
  bytes[bytes.size() / 2] ^= 0x10;  // inside the second of three batches
  scratch_.Write(fs::relative(file, scratch_.path()).string(), bytes);
  auto partition = Open();
  ASSERT_TRUE(absl::IsDataLoss(partition.status())) << partition.status();
  EXPECT_NE(partition.status().message().find("CRC mismatch"), std::string::npos);
  EXPECT_NE(partition.status().message().find("offsets [10, 20) lost"), std::string::npos)
      << partition.status();
  EXPECT_NE(partition.status().message().find("sluice-log repair"), std::string::npos);
  EXPECT_TRUE(ScratchDirectory::Read(file) == bytes);
}

TEST_F(LogRecoveryTest, ADamagedSealedSegmentFailsTheReadNamingFileAndPosition) {
  Fill(400);
  const std::vector<std::string> logs = SegmentFiles(".log");
  ASSERT_GE(logs.size(), 3u);
  std::string bytes = ScratchDirectory::Read(logs[1]);
  bytes[100] ^= 0x01;
  scratch_.Write(fs::relative(logs[1], scratch_.path()).string(), bytes);
  auto partition = OpenOrDie();  // sealed segments are trusted through their index
  LogChunk chunk;
  absl::Status failed;
  for (int64_t offset = 0; offset < partition->end_offset() && failed.ok();) {
    failed = partition->Read(offset, 1 << 20, &chunk);
    offset = chunk.next_offset();
  }
  ASSERT_TRUE(absl::IsDataLoss(failed)) << failed;
  EXPECT_NE(failed.message().find(logs[1]), std::string::npos) << failed;
  EXPECT_NE(failed.message().find("position"), std::string::npos) << failed;
}

TEST_F(LogRecoveryTest, AMissingOrDamagedIndexIsRebuilt) {
  Fill(400);
  const std::vector<std::string> indexes = SegmentFiles(".index");
  ASSERT_GE(indexes.size(), 3u);
  fs::remove(indexes[0]);
  fs::resize_file(indexes[1], fs::file_size(indexes[1]) - 16);  // no closing entry
  scratch_.Write(fs::relative(indexes[2], scratch_.path()).string(), "short");
  auto partition = OpenOrDie();
  EXPECT_TRUE(WarnedAbout("index file missing"));
  EXPECT_TRUE(WarnedAbout("no closing entry"));
  EXPECT_TRUE(WarnedAbout("index file of 5 bytes"));
  EXPECT_EQ(ReadAll(*partition, 0, 300), Model(0, 400));
  for (int64_t offset = 0; offset < 400; offset += 13) {
    EXPECT_EQ(ReadAll(*partition, offset, 1).front(), Model(offset, offset + 1).front());
  }
  // Rewritten: the next open trusts them again without a word.
  partition.reset();
  ASSERT_TRUE(Open().ok());
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();
}

TEST_F(LogRecoveryTest, AMissingSegmentFailsTheOpen) {
  Fill(400);
  const std::vector<std::string> logs = SegmentFiles(".log");
  ASSERT_GE(logs.size(), 3u);
  fs::remove(logs[1]);
  auto partition = Open();
  ASSERT_TRUE(absl::IsDataLoss(partition.status())) << partition.status();
  EXPECT_NE(partition.status().message().find("missing or cut short"), std::string::npos);
}

TEST_F(LogRecoveryTest, ASealedSegmentCutShortFailsTheOpen) {
  Fill(400);
  const std::vector<std::string> logs = SegmentFiles(".log");
  fs::resize_file(logs[0], fs::file_size(logs[0]) - 10);
  auto partition = Open();
  ASSERT_TRUE(absl::IsDataLoss(partition.status())) << partition.status();
  EXPECT_NE(partition.status().message().find(logs[0]), std::string::npos);
  EXPECT_TRUE(WarnedAbout("no closing entry"));
}

TEST_F(LogRecoveryTest, AReadOnlyOpenLeavesATornTailAlone) {
  Fill(20);
  const std::string file = SegmentFiles(".log").back();
  const uint64_t size = fs::file_size(file);
  fs::resize_file(file, size - 3);
  auto reader = Open(Access::kReadOnly);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->end_offset(), 10);  // the partial batch is not (yet) there
  EXPECT_EQ(fs::file_size(file), size - 3);
}

TEST_F(LogRecoveryTest, ASecondWriterIsRefusedWhileTheFirstIsOpen) {
  auto first = OpenOrDie();
  auto second = Open();
  ASSERT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  EXPECT_NE(second.status().message().find("already open for writing"),
            std::string::npos);
  EXPECT_TRUE(Open(Access::kReadOnly).ok());  // readers are welcome
  first.reset();
  EXPECT_TRUE(Open().ok());
}

TEST_F(LogRecoveryTest, ASegmentCutShortWhileOpenFailsTheReadInsteadOfHanging) {
  Fill(400);
  auto partition = OpenOrDie();
  const std::vector<std::string> logs = SegmentFiles(".log");
  fs::resize_file(logs[0], fs::file_size(logs[0]) / 2);
  LogChunk chunk;
  absl::Status status = partition->Read(0, 1 << 20, &chunk);
  ASSERT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_NE(status.message().find("shorter than when it was checked"), std::string::npos);
}

TEST_F(LogRecoveryTest, AHugeLengthInASealedBatchHeaderIsDamageNotAnAllocation) {
  Fill(400);
  const std::vector<std::string> logs = SegmentFiles(".log");
  std::string bytes = ScratchDirectory::Read(logs[1]);
  const uint32_t huge = 0xFFFFFFF8u;
  std::memcpy(bytes.data() + 8, &huge, 4);  // the first batch's body_length
  scratch_.Write(fs::relative(logs[1], scratch_.path()).string(), bytes);
  auto partition = OpenOrDie();
  absl::Status failed;
  LogChunk chunk;
  for (int64_t offset = 0; offset < partition->end_offset() && failed.ok();) {
    failed = partition->Read(offset, 100, &chunk);
    offset = chunk.next_offset();
  }
  ASSERT_TRUE(absl::IsDataLoss(failed)) << failed;
  EXPECT_NE(failed.message().find(logs[1]), std::string::npos) << failed;
}

// A damaged index entry may lead a read to the wrong batch: the read fails, naming
// the index, and never returns records other than those asked for.
TEST_F(LogRecoveryTest, ADamagedIndexEntryFailsReadsButNeverMisleadsThem) {
  config_.index_interval_bytes = 64;  // an entry per batch
  Fill(400);
  const std::vector<std::string> indexes = SegmentFiles(".index");
  std::string index = ScratchDirectory::Read(indexes[0]);
  ASSERT_GE(index.size(), 3 * 16u);
  uint32_t first, second;
  std::memcpy(&first, index.data(), 4);
  std::memcpy(&second, index.data() + 16, 4);
  ASSERT_GT(second, first + 1);
  const uint32_t lowered = first + 1;  // still ascending, so the index loads
  std::memcpy(index.data() + 16, &lowered, 4);
  scratch_.Write(fs::relative(indexes[0], scratch_.path()).string(), index);
  auto partition = OpenOrDie();
  const std::vector<ModelRecord> all = Model(0, 400);
  int failures = 0;
  for (int64_t offset = 0; offset < 400; ++offset) {
    LogChunk chunk;
    absl::Status status = partition->Read(offset, 1, &chunk);
    if (!status.ok()) {
      EXPECT_TRUE(absl::IsDataLoss(status)) << status;
      EXPECT_NE(status.message().find(".index file is damaged"), std::string::npos)
          << status;
      ++failures;
      continue;
    }
    chunk.ForEach([&](const LogRecordView& view) {
      EXPECT_EQ(testing::FromView(view), all[static_cast<size_t>(view.offset())]);
    });
    EXPECT_EQ(chunk.batches().front().base_offset() <= offset, true);
  }
  EXPECT_GT(failures, 0);
}

// Recovery scans the last segment in 1 MiB chunks: batches straddle them.
TEST_F(LogRecoveryTest, ScanningALargeSegmentCrossesChunkBoundaries) {
  config_.segment_bytes = 16 << 20;
  {
    auto partition = OpenOrDie();
    int64_t next = 0;
    for (int64_t count : {3000, 17, 9000, 1, 4000, 250}) {  // ~3 MiB, one 1.5 MiB batch
      AppendRange(*partition, next, count);
      next += count;
    }
  }
  const std::string file = SegmentFiles(".log").back();
  fs::resize_file(file, fs::file_size(file) - 5);  // tear the last batch
  auto partition = OpenOrDie();
  EXPECT_EQ(partition->end_offset(), 16018);
  EXPECT_EQ(ReadAll(*partition, 0, 1 << 22), Model(0, 16018));
  EXPECT_TRUE(WarnedAbout("torn or damaged tail"));
}

}  // namespace
}  // namespace sluice::log
