// A fixture for damage tests: topic "t" of records of MakeRecord in batches of 10 with
// 8 KiB segments, opened, verified and repaired the way the tests need.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "sluice/io/log/log_repair.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/io/log/log_verifier.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/log/log_test_records.h"

namespace sluice::log::testing {

class DamagedTopicTest : public ::testing::Test {
 protected:
  DamagedTopicTest() {
    config_.segment_bytes = 8192;
    config_.index_interval_bytes = 4096;  // reads often start before the damage
    config_.fsync = FsyncPolicy::kNone;
  }

  // Topic "t" holding records [0, n) in batches of 10 in each partition.
  void Fill(int64_t n) {
    auto topic = LogTopic::Create(scratch_.path(), "t", config_, Collector());
    ASSERT_TRUE(topic.ok()) << topic.status();
    for (int p = 0; p < config_.partitions; ++p) {
      for (int64_t i = 0; i < n; i += 10) AppendRange((*topic)->partition(p), i, 10);
    }
  }
  LogWarning Collector() {
    return [this](std::string_view m) { warnings_.emplace_back(m); };
  }
  absl::StatusOr<std::unique_ptr<LogTopic>> Open(LogPartition::Access access) {
    warnings_.clear();
    return LogTopic::Open(scratch_.path(), "t", access, Collector());
  }
  std::unique_ptr<LogTopic> OpenReader() {
    auto topic = Open(LogPartition::Access::kReadOnly);
    EXPECT_TRUE(topic.ok()) << topic.status();
    return topic.ok() ? std::move(*topic) : nullptr;
  }
  std::string Dir(int p = 0) const {
    return scratch_.Path(absl::StrCat("t/partition-", p));
  }
  std::string Segment(int64_t base, const char* suffix = ".log") const {
    return absl::StrFormat("%s/%020d%s", Dir(), base, suffix);
  }
  void RemoveSegment(int64_t base) {
    for (const char* suffix : {".log", ".index", ".producers"}) {
      std::filesystem::remove(Segment(base, suffix));
    }
  }
  // What verify finds lost, by partition.
  std::map<int, std::vector<OffsetRange>> VerifyLost() {
    auto report = LogVerifier::VerifyTopic(scratch_.path(), "t");
    EXPECT_TRUE(report.ok()) << report.status();
    if (!report.ok()) return {};
    EXPECT_TRUE(report->damaged());
    return report->Lost();
  }
  bool VerifiesClean() {
    auto report = LogVerifier::VerifyTopic(scratch_.path(), "t");
    EXPECT_TRUE(report.ok()) << report.status();
    if (report.ok() && report->damaged()) {
      for (const auto& p : report->partitions) {
        for (const auto& problem : p.problems) ADD_FAILURE() << problem.ToString();
      }
    }
    return report.ok() && !report->damaged();
  }
  // What repair records as lost in partition 0; it must finish.
  std::vector<OffsetRange> Repair(const LogRepair::Options& options = {}) {
    auto report = LogRepair::RepairTopic(scratch_.path(), "t", options);
    EXPECT_TRUE(report.ok()) << report.status();
    if (!report.ok()) return {};
    EXPECT_TRUE(report->complete()) << report->partitions[0].not_done.front();
    return report->partitions[0].lost;
  }
  // After a repair: the writer opens and goes on at `end`, and verify is content.
  void ExpectWritableAt(int64_t end) {
    auto writer = Open(LogPartition::Access::kReadWrite);
    ASSERT_TRUE(writer.ok()) << writer.status();
    EXPECT_EQ(AppendRange((*writer)->partition(0), end, 10), end);
    writer->reset();
    EXPECT_TRUE(VerifiesClean());
  }

  sluice::testing::ScratchDirectory scratch_;
  LogConfig config_;
  std::vector<std::string> warnings_;
};

}  // namespace sluice::log::testing
