// The exactly-once file writer's steps, and crashes between them: what a reader of
// the directory sees is always whole committed files, each line exactly once.
#include "sluice/io/file/transactional_file_writer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sluice/tests/io/scratch_directory.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using ::sluice::testing::ScratchDirectory;
using State = TransactionalFileWriter::State;

std::string Lines(int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i) absl::StrAppend(&text, "line ", i, "\n");
  return text;
}

class TransactionalFileWriterTest : public ::testing::Test {
 protected:
  TransactionalFileWriter::Options Options(uint64_t roll_bytes = 1 << 20) {
    TransactionalFileWriter::Options options;
    options.dir = scratch_.Path("out");
    options.instance = 0;
    options.roll_bytes = roll_bytes;
    return options;
  }
  std::unique_ptr<TransactionalFileWriter> Start(const State* restored = nullptr,
                                                 uint64_t roll_bytes = 1 << 20) {
    auto writer = std::make_unique<TransactionalFileWriter>();
    warnings_.clear();
    absl::Status status =
        writer->Open(Options(roll_bytes), restored,
                     [this](std::string_view w) { warnings_.emplace_back(w); });
    EXPECT_TRUE(status.ok()) << status;
    return writer;
  }
  // What a reader sees: the committed files in sequence order, concatenated; hidden
  // (uncommitted) files are not read.
  std::string Committed() const {
    std::map<int64_t, std::string> files;
    for (const auto& e : fs::directory_iterator(scratch_.Path("out"))) {
      const std::string name = e.path().filename().string();
      if (name.starts_with(".")) continue;
      const int64_t seq = std::stoll(name.substr(7, name.find('.') - 7));  // part-0-<seq>
      files[seq] = ScratchDirectory::Read(e.path().string());
    }
    std::string all;
    for (const auto& [seq, text] : files) all += text;
    return all;
  }
  // Uncommitted part files (the writer's .lock-<instance> files do not count).
  int Hidden() const {
    int hidden = 0;
    for (const auto& e : fs::directory_iterator(scratch_.Path("out"))) {
      hidden += e.path().filename().string().starts_with(".part-");
    }
    return hidden;
  }

  ScratchDirectory scratch_;
  std::vector<std::string> warnings_;
};

TEST_F(TransactionalFileWriterTest, ABoundedRunCommitsEverythingAtTheEnd) {
  auto writer = Start(nullptr, /*roll_bytes=*/100);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(writer->Write(Lines(i, i + 1)).ok());
  EXPECT_EQ(Committed(), "");  // nothing visible before the end
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(Committed(), Lines(0, 50));
  // Rolled past 100 bytes: 14 + 13 + 13 lines (102, 104, 104 bytes) and the last 10.
  EXPECT_EQ(writer->committed_files(), 4);
  EXPECT_EQ(Hidden(), 0);
}

TEST_F(TransactionalFileWriterTest, FilesBecomeVisibleWhenTheirCheckpointCompletes) {
  auto writer = Start();
  ASSERT_TRUE(writer->Write(Lines(0, 10)).ok());
  auto state1 = writer->PreCommit(1);
  ASSERT_TRUE(state1.ok());
  EXPECT_EQ(state1->pending.size(), 1u);
  ASSERT_TRUE(writer->Write(Lines(10, 20)).ok());
  EXPECT_EQ(Committed(), "");
  ASSERT_TRUE(writer->Commit(1).ok());
  EXPECT_EQ(Committed(), Lines(0, 10));
  // Checkpoint 2 never completes; checkpoint 3 commits its files too.
  ASSERT_TRUE(writer->PreCommit(2).ok());
  ASSERT_TRUE(writer->Write(Lines(20, 30)).ok());
  ASSERT_TRUE(writer->PreCommit(3).ok());
  EXPECT_EQ(Committed(), Lines(0, 10));
  ASSERT_TRUE(writer->Commit(3).ok());
  EXPECT_EQ(Committed(), Lines(0, 30));
  EXPECT_EQ(Hidden(), 0);
}

// A crash after checkpoint 1's pre-commit, before its files were committed: the
// restored job commits them and drops what came after, which it writes again.
TEST_F(TransactionalFileWriterTest, ACrashBeforeCommitIsFinishedByTheRestore) {
  State state1;
  {
    auto writer = Start();
    ASSERT_TRUE(writer->Write(Lines(0, 10)).ok());
    state1 = *writer->PreCommit(1);
    ASSERT_TRUE(writer->Write(Lines(10, 15)).ok());  // in progress when it crashes
  }
  EXPECT_EQ(Committed(), "");
  auto writer = Start(&state1);
  EXPECT_EQ(Committed(), Lines(0, 10));
  EXPECT_EQ(Hidden(), 0);
  EXPECT_FALSE(warnings_.empty());                 // the in-progress file was removed
  ASSERT_TRUE(writer->Write(Lines(10, 20)).ok());  // replayed from the checkpoint
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(Committed(), Lines(0, 20));
}

// A crash after the commit: restoring the same checkpoint again finds its files
// committed and leaves them alone.
TEST_F(TransactionalFileWriterTest, RestoringACommittedCheckpointAgainChangesNothing) {
  State state1;
  {
    auto writer = Start();
    ASSERT_TRUE(writer->Write(Lines(0, 10)).ok());
    state1 = *writer->PreCommit(1);
    ASSERT_TRUE(writer->Commit(1).ok());
  }
  for (int restart = 0; restart < 2; ++restart) {
    auto writer = Start(&state1);
    EXPECT_EQ(Committed(), Lines(0, 10));
  }
  auto writer = Start(&state1);
  ASSERT_TRUE(writer->Write(Lines(10, 20)).ok());
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(Committed(), Lines(0, 20));
}

TEST_F(TransactionalFileWriterTest,
       AFreshStartRemovesUncommittedFilesAndKeepsCommittedOnes) {
  {
    auto writer = Start();
    ASSERT_TRUE(writer->Write(Lines(0, 5)).ok());
    ASSERT_TRUE(writer->Finish().ok());
    ASSERT_TRUE(writer->Write(Lines(5, 8)).ok());  // never committed
  }
  ASSERT_EQ(Hidden(), 1);
  auto writer = Start();
  EXPECT_EQ(Hidden(), 0);
  ASSERT_TRUE(writer->Write(Lines(100, 103)).ok());
  ASSERT_TRUE(writer->Finish().ok());
  // The committed file stays as it was; the new one comes after it.
  EXPECT_EQ(Committed(), Lines(0, 5) + Lines(100, 103));
}

// A run at parallelism 3 dies before its first checkpoint; the next run, from
// scratch at parallelism 2, has no instance 2, so instance 0 (2 % 2) clears what
// instance 2 left; instance 1 leaves it alone.
TEST_F(TransactionalFileWriterTest, AFreshStartAtLowerParallelismRemovesOrphans) {
  auto open = [&](int instance) {
    auto writer = std::make_unique<TransactionalFileWriter>();
    TransactionalFileWriter::Options options = Options();
    options.instance = instance;
    EXPECT_TRUE(writer->Open(options, nullptr).ok());
    return writer;
  };
  {
    auto orphan = open(2);
    ASSERT_TRUE(orphan->Write(Lines(0, 5)).ok());
    ASSERT_TRUE(orphan->PreCommit(1).ok());        // pending, never committed
    ASSERT_TRUE(orphan->Write(Lines(5, 8)).ok());  // in progress
  }
  ASSERT_EQ(Hidden(), 2);
  auto second = open(1);
  ASSERT_TRUE(second->RemoveOrphans(2).ok());
  EXPECT_EQ(Hidden(), 2);
  auto first = open(0);
  ASSERT_TRUE(first->RemoveOrphans(2).ok());
  EXPECT_EQ(Hidden(), 0);
  {
    // A writer of instance 2 still running (a process of the run before that has
    // not exited): its files stay.
    auto alive = open(2);  // clears its own leftovers, as any starting instance does
    ASSERT_TRUE(alive->Write(Lines(8, 9)).ok());
    ASSERT_EQ(Hidden(), 1);
    ASSERT_TRUE(first->RemoveOrphans(2).ok());
    EXPECT_EQ(Hidden(), 1) << "a live writer's file was removed";
  }
  ASSERT_TRUE(first->RemoveOrphans(2).ok());
  EXPECT_EQ(Hidden(), 0);
  EXPECT_EQ(Committed(), "");
}

TEST_F(TransactionalFileWriterTest,
       AMissingPendingFileOfTheRestoredCheckpointIsDataLoss) {
  State state1;
  {
    auto writer = Start();
    ASSERT_TRUE(writer->Write(Lines(0, 10)).ok());
    state1 = *writer->PreCommit(1);
  }
  for (const auto& e : fs::directory_iterator(scratch_.Path("out"))) fs::remove(e.path());
  TransactionalFileWriter writer;
  absl::Status status = writer.Open(Options(), &state1);
  ASSERT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_NE(status.message().find("is missing"), std::string::npos);
}

TEST_F(TransactionalFileWriterTest, ASecondWriterOfTheSameInstanceIsRefused) {
  auto first = Start();
  TransactionalFileWriter second;
  absl::Status status = second.Open(Options(), nullptr);
  ASSERT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_NE(status.message().find("being written by another job"), std::string::npos);
}

TEST_F(TransactionalFileWriterTest, FilesRollByTime) {
  TransactionalFileWriter writer;
  auto options = Options();
  options.roll_interval = std::chrono::milliseconds(0);  // every write starts a new file
  ASSERT_TRUE(writer.Open(options, nullptr).ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(writer.Write(Lines(i, i + 1)).ok());
  ASSERT_TRUE(writer.Finish().ok());
  EXPECT_EQ(writer.committed_files(), 4);
  EXPECT_EQ(Committed(), Lines(0, 4));
}

}  // namespace
}  // namespace sluice
