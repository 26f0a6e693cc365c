// LogSource end to end: topics written through io/log, read by dataflows at
// parallelism 1 and 2 with re-cut batches, checked against what was written.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sluice/io/log/log_repair.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/sluice.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/log/segment_layout.h"
#include "sluice/tests/run_config.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::RunConfigTest;
using ::sluice::testing::ScratchDirectory;

// Record o of partition p: key "k<o mod 7>", value "p<p>-<o>", timestamp 10 ms apart,
// and a header on every fifth.
LogMessage Expected(int p, int64_t o) {
  LogMessage m;
  m.partition = p;
  m.offset = o;
  m.timestamp = o * 10;
  m.key = absl::StrCat("k", o % 7);
  m.value = absl::StrCat("p", p, "-", o);
  if (o % 5 == 0) m.headers.emplace_back("h", absl::StrCat(o));
  return m;
}

// Appends records [from, to) of partition p of `topic`, `per_batch` at a time.
void Append(log::LogTopic& topic, int p, int64_t from, int64_t to, int per_batch = 37) {
  log::RecordBatchBuilder builder;
  for (int64_t o = from; o < to;) {
    builder.Clear();
    for (int i = 0; i < per_batch && o < to; ++i, ++o) {
      LogMessage m = Expected(p, o);
      std::vector<log::LogHeaderView> headers;
      for (const auto& [k, v] : m.headers) headers.push_back({k, v});
      builder.Add(m.key, m.value, m.timestamp, headers);
    }
    auto base = topic.partition(p).Append(builder);
    ASSERT_TRUE(base.ok()) << base.status();
  }
}

std::unique_ptr<log::LogTopic> MakeTopic(const std::string& dir, int partitions,
                                         int64_t records_each) {
  log::LogConfig config;
  config.partitions = partitions;
  config.segment_bytes = 16 << 10;  // several segments per partition
  config.fsync = log::FsyncPolicy::kNone;
  auto topic = log::LogTopic::Create(dir, "events", config);
  EXPECT_TRUE(topic.ok()) << topic.status();
  for (int p = 0; p < partitions; ++p) Append(**topic, p, 0, records_each);
  return std::move(*topic);
}

// Per partition, the offsets read in the order they came: each partition's order
// must be kept.
std::map<int, std::vector<LogMessage>> ByPartition(const std::vector<LogMessage>& all) {
  std::map<int, std::vector<LogMessage>> by;
  for (const LogMessage& m : all) by[m.partition].push_back(m);
  return by;
}

class LogSourceTest : public RunConfigTest {};

TEST_P(LogSourceTest, ReadsEveryRecordOnceInPartitionOrder) {
  ScratchDirectory scratch;
  MakeTopic(scratch.path(), 3, 700);
  std::vector<LogMessage> got = ReadAll(LogSource(scratch.path(), "events"));
  ASSERT_EQ(got.size(), 3u * 700);
  auto by = ByPartition(got);
  for (int p = 0; p < 3; ++p) {
    ASSERT_EQ(by[p].size(), 700u) << p;
    for (int64_t o = 0; o < 700; ++o) EXPECT_EQ(by[p][o], Expected(p, o));
  }
}

TEST_P(LogSourceTest, StartsFromGivenOffsetsOrTheEnd) {
  ScratchDirectory scratch;
  MakeTopic(scratch.path(), 3, 300);
  auto got = ByPartition(
      ReadAll(LogSource(scratch.path(), "events").FromOffsets({{0, 100}, {2, 299}})));
  EXPECT_EQ(got[0].size(), 200u);
  EXPECT_EQ(got[0].front(), Expected(0, 100));
  EXPECT_EQ(got[1].size(), 300u);  // not named: from the earliest
  ASSERT_EQ(got[2].size(), 1u);
  EXPECT_EQ(got[2].front(), Expected(2, 299));
  EXPECT_TRUE(ReadAll(LogSource(scratch.path(), "events").FromLatest()).empty());
}

// Partitions interleave in one instance a batch at a time; without a watermark per
// partition, one partition's batch would run the watermark past the other's events.
TEST_P(LogSourceTest, EachPartitionKeepsItsOwnWatermark) {
  ScratchDirectory scratch;
  MakeTopic(scratch.path(), 2, 3000);  // both partitions cover 0..30 s
  Dataflow flow;
  CollectorSink<WindowResult<std::string, int64_t>> sink;
  CollectorSink<LogMessage> late;
  // A Map and a Filter between the source and the assigner keep the partitions'
  // markers and batches' splits.
  auto results = flow.Source(LogSource(scratch.path(), "events"))
                     .Map([](const LogMessage& m) { return m; })
                     .Filter([](const LogMessage&) { return true; })
                     .AssignTimestamps([](const LogMessage& m) { return m.timestamp; },
                                       WatermarkStrategy::Monotonous())
                     .KeyBy([](const LogMessage& m) { return m.key; })
                     .Window(TumblingWindows(1000))
                     .SideOutputLateData(OutputTag<LogMessage, "late">{})
                     .Aggregate(aggregates::Count());
  results.Sink(sink);
  results.SideOutput(OutputTag<LogMessage, "late">{}).Sink(late);
  ASSERT_TRUE(flow.Run(Options()).ok());
  EXPECT_EQ(late.Size(), 0u);
  std::map<std::pair<std::string, int64_t>, int64_t> want, got;
  for (int p = 0; p < 2; ++p) {
    for (int64_t o = 0; o < 3000; ++o) {
      LogMessage m = Expected(p, o);
      ++want[{m.key, m.timestamp / 1000 * 1000}];
    }
  }
  for (const auto& r : sink.Items()) got[{r.key, r.start}] += r.value;
  EXPECT_EQ(got, want);
}

// Log to log: what LogSink writes, LogSource reads back, every record once, each
// keyed record in its key's partition.
TEST_P(LogSourceTest, LogAppendWritesEveryRecordOnceToItsKeysPartition) {
  ScratchDirectory scratch;
  MakeTopic(scratch.path(), 2, 400);
  log::LogConfig config;
  config.partitions = 3;
  auto out = log::LogTopic::Create(scratch.path(), "copies", config);
  ASSERT_TRUE(out.ok()) << out.status();
  out->reset();  // the sink opens it
  Dataflow flow;
  flow.Source(LogSource(scratch.path(), "events"))
      .Sink(LogSink<LogMessage>(scratch.path(), "copies", [](const LogMessage& m) {
        LogMessage copy = m;
        if (m.offset % 4 == 0) copy.key.clear();  // some keyless: round robin
        return copy;
      }));
  ASSERT_TRUE(flow.Run(Options()).ok());
  auto copies =
      log::LogTopic::Open(scratch.path(), "copies", log::LogPartition::Access::kReadOnly);
  ASSERT_TRUE(copies.ok());
  std::multiset<std::string> got;
  for (int p = 0; p < 3; ++p) {
    log::LogPartition& partition = (*copies)->partition(p);
    log::LogChunk chunk;
    for (int64_t o = 0; o < partition.end_offset(); o = chunk.next_offset()) {
      ASSERT_TRUE(partition.Read(o, 1 << 20, &chunk).ok());
      chunk.ForEach([&](const log::LogRecordView& r) {
        if (!r.key().empty()) {
          EXPECT_EQ((*copies)->PartitionForKey(r.key()), p) << r.key();
        }
        got.insert(std::string(r.value()));
      });
    }
  }
  std::multiset<std::string> want;
  for (int p = 0; p < 2; ++p) {
    for (int64_t o = 0; o < 400; ++o) want.insert(Expected(p, o).value);
  }
  EXPECT_EQ(got, want);
}

// After `sluice-log repair` recorded a deleted segment's offsets as lost, a job reads
// every other record once, in order, with the offsets they always had.
TEST_P(LogSourceTest, ReadsPastOffsetsARepairRecordedAsLost) {
  ScratchDirectory scratch;
  MakeTopic(scratch.path(), 2, 700);
  const std::vector<std::string> logs =
      log::testing::SegmentLogs(scratch.Path("events/partition-1"));
  ASSERT_GE(logs.size(), 3u);
  const int64_t gap_from = std::stoll(fs::path(logs[1]).stem().string());
  const int64_t gap_to = std::stoll(fs::path(logs[2]).stem().string());
  for (const char* suffix : {".log", ".index", ".producers"}) {
    fs::remove(fs::path(logs[1]).replace_extension(suffix));
  }
  auto repaired = log::LogRepair::RepairTopic(scratch.path(), "events", {});
  ASSERT_TRUE(repaired.ok()) << repaired.status();
  ASSERT_EQ(repaired->partitions[1].lost,
            (std::vector<log::OffsetRange>{{gap_from, gap_to}}));
  auto by = ByPartition(ReadAll(LogSource(scratch.path(), "events")));
  ASSERT_EQ(by[0].size(), 700u);
  std::vector<LogMessage> want;
  for (int64_t o = 0; o < 700; ++o) {
    if (o < gap_from || o >= gap_to) want.push_back(Expected(1, o));
  }
  EXPECT_TRUE(by[1] == want) << by[1].size() << " records of " << want.size();
}

INSTANTIATE_TEST_SUITE_P(Runs, LogSourceTest, testing::AllRunConfigs(), RunConfigName);

TEST(LogSinkTest, AMissingTopicIsNamedWhenTheJobIsBuilt) {
  ScratchDirectory scratch;
  Dataflow flow;
  flow.Source(CollectionSource(std::vector<int>{1, 2}))
      .Sink(LogSink<int>(scratch.path(), "nope", [](int i) {
        LogMessage record;
        record.value = std::to_string(i);
        return record;
      }));
  auto job = flow.Build(testing::QuietOptions());
  ASSERT_FALSE(job.ok());
  EXPECT_NE(job.status().message().find("no topic 'nope'"), std::string::npos);
}

TEST(LogSourceErrorsTest, AMissingTopicIsNamedWhenTheJobIsBuilt) {
  ScratchDirectory scratch;
  MakeTopic(scratch.path(), 1, 10);
  Dataflow flow;
  CollectorSink<LogMessage> sink;
  flow.Source(LogSource(scratch.path(), "orders")).Sink(sink);
  auto job = flow.Build(testing::QuietOptions());
  ASSERT_FALSE(job.ok());
  EXPECT_NE(job.status().message().find("no topic 'orders'"), std::string::npos);
  EXPECT_NE(job.status().message().find("topics there: events"), std::string::npos);
}

TEST(LogSourceErrorsTest, BadOffsetsAreNamed) {
  ScratchDirectory scratch;
  MakeTopic(scratch.path(), 2, 10);
  {
    Dataflow flow;
    CollectorSink<LogMessage> sink;
    flow.Source(LogSource(scratch.path(), "events").FromOffsets({{2, 0}})).Sink(sink);
    auto job = flow.Build(testing::QuietOptions());
    ASSERT_FALSE(job.ok());
    EXPECT_NE(job.status().message().find("names partition 2"), std::string::npos);
  }
  Dataflow flow;
  CollectorSink<LogMessage> sink;
  flow.Source(LogSource(scratch.path(), "events").FromOffsets({{1, 11}})).Sink(sink);
  absl::Status status = flow.Run(testing::QuietOptions());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(
                "partition 1 holds offsets [0, 10); offset 11 is past its end"),
            std::string::npos)
      << status;
}

TEST(LogSourceErrorsTest, DamageFailsTheJobNamingPartitionOffsetAndFile) {
  ScratchDirectory scratch;
  MakeTopic(scratch.path(), 1, 2000);
  // Flip a byte in the first (sealed) segment of partition 0.
  std::string first;
  for (const auto& e : fs::directory_iterator(scratch.Path("events/partition-0"))) {
    if (e.path().extension() == ".log" && (first.empty() || e.path().string() < first)) {
      first = e.path().string();
    }
  }
  std::string bytes = ScratchDirectory::Read(first);
  bytes[200] ^= 0x20;
  scratch.Write(fs::relative(first, scratch.path()).string(), bytes);
  Dataflow flow;
  CollectorSink<LogMessage> sink;
  flow.Source(LogSource(scratch.path(), "events")).Sink(sink);
  absl::Status status = flow.Run(testing::QuietOptions());
  ASSERT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_NE(status.message().find("partition 0 at offset 0"), std::string::npos)
      << status;
  EXPECT_NE(status.message().find(first), std::string::npos) << status;
}

// A flipped byte before the last batch of the last segment (issue 17 §7): the job
// fails naming the topic, partition, offset and file instead of ending early with
// the records before it as if they were all.
TEST(LogSourceErrorsTest, DamageBeforeTheLastBatchFailsTheJobInsteadOfEndingIt) {
  ScratchDirectory scratch;
  MakeTopic(scratch.path(), 1, 2000);
  const auto layout = log::testing::SegmentLayout(scratch.Path("events/partition-0"));
  const std::string last = layout.back().file;
  std::vector<log::testing::BatchAt> in_last;
  for (const auto& batch : layout) {
    if (batch.file == last) in_last.push_back(batch);
  }
  ASSERT_GE(in_last.size(), 3u);
  const log::testing::BatchAt damaged = in_last[1];
  log::testing::FlipByte(last, damaged.position + damaged.size / 2);
  for (int parallelism : {1, 2}) {
    Dataflow flow;
    CollectorSink<LogMessage> sink;
    flow.Source(LogSource(scratch.path(), "events")).Sink(sink);
    absl::Status status = flow.Run(testing::QuietOptions(parallelism));
    ASSERT_TRUE(absl::IsDataLoss(status)) << parallelism << " " << status;
    EXPECT_NE(status.message().find(
                  absl::StrCat("topic 'events' partition 0 at offset ", damaged.base)),
              std::string::npos)
        << status;
    EXPECT_NE(status.message().find(last), std::string::npos) << status;
    EXPECT_NE(status.message().find(
                  absl::StrCat("offsets [", damaged.base, ", ", damaged.end(), ")")),
              std::string::npos)
        << status;
    for (const LogMessage& m : sink.Items()) {
      EXPECT_LT(m.offset, damaged.base);
      EXPECT_EQ(m, Expected(0, m.offset));
    }
  }
}

// A deleted partition directory: the other partition's records are read, then the
// job fails naming the missing one instead of ending as if it were empty.
TEST(LogSourceErrorsTest, AMissingPartitionDirectoryFailsTheJob) {
  ScratchDirectory scratch;
  MakeTopic(scratch.path(), 2, 100);
  fs::remove_all(scratch.Path("events/partition-1"));
  Dataflow flow;
  CollectorSink<LogMessage> sink;
  flow.Source(LogSource(scratch.path(), "events")).Sink(sink);
  absl::Status status = flow.Run(testing::QuietOptions());
  ASSERT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_NE(status.message().find("topic 'events' partition 1"), std::string::npos)
      << status;
  EXPECT_NE(status.message().find(scratch.Path("events/partition-1") + " is missing"),
            std::string::npos)
      << status;
}

// Following: records appended while the job runs arrive; the job runs until
// cancelled.
TEST(LogSourceFollowTest, RecordsAppendedWhileRunningArrive) {
  ScratchDirectory scratch;
  auto topic = MakeTopic(scratch.path(), 2, 50);
  for (int parallelism : {1, 2}) {
    Dataflow flow;
    CollectorSink<LogMessage> sink;
    flow.Source(LogSource(scratch.path(), "events").Follow(std::chrono::milliseconds(5)))
        .Sink(sink);
    auto job = flow.Build(testing::QuietOptions(parallelism));
    ASSERT_TRUE(job.ok()) << job.status();
    ASSERT_TRUE(job->Start().ok());
    const int64_t before = topic->partition(0).end_offset();
    Append(*topic, 0, before, before + 100);
    Append(*topic, 1, before, before + 400, 1000);  // rolls segments in the meantime
    const size_t want = static_cast<size_t>(2 * before + 500);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (sink.Size() < want && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    job->Cancel();
    (void)job->Wait();
    auto by = ByPartition(sink.Items());
    ASSERT_EQ(by[0].size(), static_cast<size_t>(before + 100)) << parallelism;
    ASSERT_EQ(by[1].size(), static_cast<size_t>(before + 400)) << parallelism;
    for (int64_t o = 0; o < before + 400; ++o) EXPECT_EQ(by[1][o], Expected(1, o));
    // Level again for the next round: both partitions end at before + 400.
    Append(*topic, 0, before + 100, before + 400);
  }
}

}  // namespace
}  // namespace sluice
