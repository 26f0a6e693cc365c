#include "sluice/io/log/log_topic.h"

#include <filesystem>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/log/log_test_records.h"

namespace sluice::log {
namespace {

namespace fs = std::filesystem;
using sluice::testing::ScratchDirectory;
using testing::AppendRange;
using testing::Model;
using testing::ReadAll;

TEST(LogTopicTest, CreatesOpensAndListsTopicsWithTheirSettings) {
  ScratchDirectory scratch;
  LogConfig config;
  config.partitions = 3;
  config.segment_bytes = 1 << 20;
  config.retention_bytes = 5 << 20;
  config.fsync = FsyncPolicy::kEveryBatch;
  {
    auto topic = LogTopic::Create(scratch.path(), "orders", config);
    ASSERT_TRUE(topic.ok()) << topic.status();
    EXPECT_EQ((*topic)->partition_count(), 3);
    AppendRange((*topic)->partition(2), 0, 25);
  }
  ASSERT_TRUE(LogTopic::Create(scratch.path(), "clicks", LogConfig()).ok());
  auto again = LogTopic::Create(scratch.path(), "orders", config);
  EXPECT_TRUE(absl::IsAlreadyExists(again.status())) << again.status();

  auto topic = LogTopic::Open(scratch.path(), "orders", LogPartition::Access::kReadOnly);
  ASSERT_TRUE(topic.ok()) << topic.status();
  const LogConfig& read = (*topic)->config();
  EXPECT_EQ(read.partitions, 3);
  EXPECT_EQ(read.segment_bytes, 1u << 20);
  EXPECT_EQ(read.retention_bytes, 5 << 20);
  EXPECT_EQ(read.retention_ms, -1);
  EXPECT_EQ(read.fsync, FsyncPolicy::kEveryBatch);
  EXPECT_EQ(ReadAll((*topic)->partition(2), 0), Model(0, 25));
  EXPECT_EQ((*topic)->partition(0).end_offset(), 0);

  auto names = LogTopic::List(scratch.path());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"clicks", "orders"}));
}

TEST(LogTopicTest, AMissingTopicIsNamedWithTheOnesThatExist) {
  ScratchDirectory scratch;
  ASSERT_TRUE(LogTopic::Create(scratch.path(), "a", LogConfig()).ok());
  auto topic = LogTopic::Open(scratch.path(), "b", LogPartition::Access::kReadWrite);
  ASSERT_TRUE(absl::IsNotFound(topic.status()));
  EXPECT_NE(topic.status().message().find("no topic 'b'"), std::string::npos);
  EXPECT_NE(topic.status().message().find("topics there: a"), std::string::npos);
}

TEST(LogTopicTest, BadNamesAndSettingsAreRefused) {
  ScratchDirectory scratch;
  for (const char* name : {"", ".", "..", "a/b", "white space", "x\n"}) {
    auto topic = LogTopic::Create(scratch.path(), name, LogConfig());
    EXPECT_TRUE(absl::IsInvalidArgument(topic.status())) << name;
  }
  LogConfig config;
  config.partitions = 0;
  auto topic = LogTopic::Create(scratch.path(), "t", config);
  EXPECT_NE(topic.status().message().find("partitions"), std::string::npos);
  EXPECT_FALSE(fs::exists(scratch.Path("t")));
}

TEST(LogTopicTest, DamagedMetadataIsReported) {
  ScratchDirectory scratch;
  ASSERT_TRUE(LogTopic::Create(scratch.path(), "t", LogConfig()).ok());
  const std::string meta = scratch.Path("t/topic.meta");
  std::string bytes = ScratchDirectory::Read(meta);
  for (size_t at = 0; at < bytes.size(); ++at) {
    bytes[at] ^= 0x04;
    scratch.Write("t/topic.meta", bytes);
    auto topic = LogTopic::Open(scratch.path(), "t", LogPartition::Access::kReadOnly);
    ASSERT_TRUE(absl::IsDataLoss(topic.status())) << at << " " << topic.status();
    EXPECT_NE(topic.status().message().find(meta), std::string::npos);
    bytes[at] ^= 0x04;
  }
  scratch.Write("t/topic.meta", bytes);
  EXPECT_TRUE(LogTopic::Open(scratch.path(), "t", LogPartition::Access::kReadOnly).ok());
}

TEST(LogTopicTest, AMissingPartitionDirectoryIsNotRecreatedEmpty) {
  ScratchDirectory scratch;
  LogConfig config;
  config.partitions = 2;
  {
    auto topic = LogTopic::Create(scratch.path(), "t", config);
    ASSERT_TRUE(topic.ok());
    AppendRange((*topic)->partition(1), 0, 5);
  }
  fs::remove_all(scratch.Path("t/partition-1"));
  auto topic = LogTopic::Open(scratch.path(), "t", LogPartition::Access::kReadWrite);
  ASSERT_TRUE(absl::IsDataLoss(topic.status())) << topic.status();
  EXPECT_NE(topic.status().message().find("partition-1 is missing"), std::string::npos);
  EXPECT_FALSE(fs::exists(scratch.Path("t/partition-1")));
}

TEST(LogTopicTest, AnUnfinishedCreationIsFinishedByTheNextCreate) {
  ScratchDirectory scratch;
  fs::create_directories(scratch.Path("t/partition-0"));  // crashed before topic.meta
  EXPECT_TRUE(LogTopic::List(scratch.path())->empty());
  auto topic = LogTopic::Create(scratch.path(), "t", LogConfig());
  ASSERT_TRUE(topic.ok()) << topic.status();
  EXPECT_EQ(*LogTopic::List(scratch.path()), std::vector<std::string>{"t"});
}

TEST(LogTopicTest, AKeyAlwaysGoesToTheSamePartitionAndKeysSpread) {
  ScratchDirectory scratch;
  LogConfig config;
  config.partitions = 4;
  auto topic = LogTopic::Create(scratch.path(), "t", config);
  ASSERT_TRUE(topic.ok());
  std::set<int> used;
  for (int i = 0; i < 100; ++i) {
    std::string key = "card-" + std::to_string(i);
    int p = (*topic)->PartitionForKey(key);
    ASSERT_GE(p, 0);
    ASSERT_LT(p, 4);
    EXPECT_EQ((*topic)->PartitionForKey(key), p);
    used.insert(p);
  }
  EXPECT_EQ(used.size(), 4u);
}

}  // namespace
}  // namespace sluice::log
