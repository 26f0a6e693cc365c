// The log sink's transactions: nothing reaches the log before its checkpoint
// completes, a commit takes only the checkpoints it was told of, and a restore
// appends a checkpoint's transactions again without adding anything twice, however
// much of them reached the log before a crash.
#include "sluice/io/log/transactional_log_writer.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/runtime/state/state_codec.h"
#include "sluice/tests/io/scratch_directory.h"

namespace sluice {
namespace {

using ::sluice::testing::ScratchDirectory;
using ::testing::HasSubstr;

constexpr int kPartitions = 3;

class TransactionalLogWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    topic_.reset();
    scratch_ = std::make_unique<ScratchDirectory>();
    log::LogConfig config;
    config.partitions = kPartitions;
    config.fsync = log::FsyncPolicy::kNone;
    auto topic = log::LogTopic::Create(scratch_->path(), "t", config);
    ASSERT_TRUE(topic.ok()) << topic.status();
    topic_ = std::move(*topic);
  }

  // Records [first, end): value "v<i>", partition i % 3.
  void Add(TransactionalLogWriter& writer, int first, int end) {
    for (int i = first; i < end; ++i) {
      ASSERT_TRUE(writer.Add(i % kPartitions, "k", absl::StrCat("v", i), i, {}).ok());
    }
  }

  // Each partition's values, in log order.
  std::map<int, std::vector<std::string>> Contents() {
    std::map<int, std::vector<std::string>> contents;
    for (int p = 0; p < kPartitions; ++p) {
      log::LogPartition& partition = topic_->partition(p);
      log::LogChunk chunk;
      for (int64_t o = 0; o < partition.end_offset(); o = chunk.next_offset()) {
        EXPECT_TRUE(partition.Read(o, 1 << 20, &chunk).ok());
        chunk.ForEach(
            [&](const log::LogRecordView& r) { contents[p].emplace_back(r.value()); });
      }
    }
    return contents;
  }

  // What appending records [0, end) once, in order, gives.
  static std::map<int, std::vector<std::string>> Expected(int end) {
    std::map<int, std::vector<std::string>> contents;
    for (int i = 0; i < end; ++i)
      contents[i % kPartitions].push_back(absl::StrCat("v", i));
    return contents;
  }

  int64_t Total() {
    int64_t total = 0;
    for (int p = 0; p < kPartitions; ++p) total += topic_->partition(p).end_offset();
    return total;
  }

  std::unique_ptr<ScratchDirectory> scratch_;
  std::unique_ptr<log::LogTopic> topic_;
};

TEST_F(TransactionalLogWriterTest, RecordsAreAppendedWhenTheirCheckpointCompletes) {
  TransactionalLogWriter writer(kPartitions);
  Add(writer, 0, 30);
  ASSERT_TRUE(writer.PreCommit(1).ok());
  Add(writer, 30, 50);
  ASSERT_TRUE(writer.PreCommit(2).ok());
  Add(writer, 50, 60);  // open: belongs to checkpoint 3
  EXPECT_EQ(Total(), 0);
  ASSERT_TRUE(writer.Commit(*topic_, 1).ok());
  EXPECT_EQ(Contents(), Expected(30));
  ASSERT_TRUE(writer.Commit(*topic_, 2).ok());
  EXPECT_EQ(Contents(), Expected(50));
  EXPECT_EQ(writer.pending_bytes(), 0u);  // checkpoint 3's records are not cut yet
  ASSERT_TRUE(writer.PreCommit(3).ok());
  EXPECT_GT(writer.pending_bytes(), 0u);
  ASSERT_TRUE(writer.Commit(*topic_, 3).ok());
  EXPECT_EQ(Contents(), Expected(60));
  EXPECT_EQ(writer.pending_bytes(), 0u);
}

// A crash after checkpoint 2 completed, at every point of its commit: none, some or
// all of its batches reached the log. The restore appends the rest, and nothing
// twice; a second restore of the same checkpoint adds nothing.
TEST_F(TransactionalLogWriterTest, ARestoreAppendsWhatACrashLeftOutAndNothingTwice) {
  std::string state;
  std::vector<std::string> batches;
  {
    TransactionalLogWriter writer(kPartitions);
    Add(writer, 0, 10);
    ASSERT_TRUE(writer.PreCommit(1).ok());
    ASSERT_TRUE(writer.Commit(*topic_, 1).ok());
    Add(writer, 10, 40);
    auto saved = writer.PreCommit(2);
    ASSERT_TRUE(saved.ok());
    state = *saved;
  }
  EXPECT_EQ(Contents(), Expected(10));
  TransactionalLogWriter restorer(kPartitions);
  ASSERT_TRUE(restorer.CommitRestored(*topic_, state, "test").ok());
  EXPECT_EQ(Contents(), Expected(40));
  EXPECT_EQ(restorer.restore_counts().appended, kPartitions);
  TransactionalLogWriter again(kPartitions);
  ASSERT_TRUE(again.CommitRestored(*topic_, state, "test").ok());
  EXPECT_EQ(Contents(), Expected(40));
  EXPECT_EQ(again.restore_counts().skipped, kPartitions);
  EXPECT_EQ(again.restore_counts().appended, 0);
}

// A crash after k of a transaction's batches were appended, for every k.
TEST_F(TransactionalLogWriterTest, APartlyAppendedTransactionIsCompletedOnRestore) {
  for (size_t crashed_after = 0; crashed_after <= kPartitions; ++crashed_after) {
    SetUp();  // a fresh topic
    TransactionalLogWriter writer(kPartitions);
    Add(writer, 0, 30);
    auto state = writer.PreCommit(1);
    ASSERT_TRUE(state.ok());
    std::vector<TransactionalLogWriter::Transaction> saved;
    StateReader reader(*state);
    DecodeState(reader, saved);
    ASSERT_EQ(saved.size(), 1u);
    ASSERT_EQ(saved[0].batches.size(), size_t{kPartitions});
    for (size_t b = 0; b < crashed_after; ++b) {
      const auto& [partition, batch] = saved[0].batches[b];
      ASSERT_TRUE(topic_->partition(partition).AppendPrepared(batch).ok());
    }
    TransactionalLogWriter restorer(kPartitions);
    ASSERT_TRUE(restorer.CommitRestored(*topic_, *state, "test").ok());
    EXPECT_EQ(Contents(), Expected(30)) << crashed_after;
    EXPECT_EQ(restorer.restore_counts().skipped, static_cast<int64_t>(crashed_after));
  }
}

TEST_F(TransactionalLogWriterTest, DamagedOrMismatchedStateIsRefusedByName) {
  TransactionalLogWriter writer(kPartitions);
  Add(writer, 0, 10);
  auto state = writer.PreCommit(1);
  ASSERT_TRUE(state.ok());
  TransactionalLogWriter restorer(kPartitions);
  absl::Status damaged =
      restorer.CommitRestored(*topic_, state->substr(0, state->size() - 3), "sink 'out'");
  EXPECT_EQ(damaged.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(damaged.message(), HasSubstr("sink 'out'"));
  // The same state against a topic with one partition.
  ScratchDirectory scratch;
  log::LogConfig one;
  one.partitions = 1;
  auto small = log::LogTopic::Create(scratch.path(), "t", one);
  ASSERT_TRUE(small.ok());
  TransactionalLogWriter elsewhere(1);
  absl::Status mismatch = elsewhere.CommitRestored(**small, *state, "sink 'out'");
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(mismatch.message(), HasSubstr("has 1 partitions"));
  EXPECT_EQ(Total(), 0);
}

}  // namespace
}  // namespace sluice
