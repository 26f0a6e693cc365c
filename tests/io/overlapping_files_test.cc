// File sources over files that cover the same span of event time (OverlappingFiles):
// every file is its own split, so windows over all of them match a brute-force count
// with nothing late, at any parallelism, batch cut and number of files open at once.
// Read one after another (the default), the same files find records late, which
// shows the files exercise the difference.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/sluice.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::RunConfig;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::RunConfigTest;
using ::sluice::testing::ScratchDirectory;

struct Reading {
  uint32_t server = 0;
  int64_t time = 0;
};

RecordSchema<Reading> ReadingSchema() {
  return RecordSchema<Reading>()
      .Field("server", &Reading::server)
      .Field("time", &Reading::time);
}

// One file per server, each in time order, their spans overlapping: 0-5,999 ms every
// 1 ms, 0-11,998 every 2 ms, 3,000-8,999 every 1 ms, and an empty file.
struct ServerFile {
  const char* name;
  int64_t first, last, step;
};
constexpr ServerFile kFiles[] = {{"server0.csv", 0, 5999, 1},
                                 {"server1.csv", 0, 11998, 2},
                                 {"server2.csv", 3000, 8999, 1},
                                 {"server3.csv", 0, -1, 1}};
constexpr int64_t kWindow = 1000;

using Counts = std::map<std::tuple<uint32_t, int64_t, int64_t>, int64_t>;

class OverlappingFilesTest : public RunConfigTest {
 protected:
  void SetUp() override {
    for (uint32_t server = 0; server < std::size(kFiles); ++server) {
      const ServerFile& f = kFiles[server];
      std::string csv;
      for (int64_t t = f.first; t <= f.last; t += f.step) {
        csv += std::to_string(server) + "," + std::to_string(t) + "\n";
        // The brute-force answer: per server and 1 s window, the readings in it.
        ++expected_[{server, t / kWindow * kWindow, t / kWindow * kWindow + kWindow}];
        ++readings_;
      }
      dir_.Write(f.name, csv);
    }
  }

  struct Result {
    Counts windows;
    int64_t late = 0;
  };
  // `slow`: a map sleeps 1 ms every 500 readings before the timestamps.
  Result Run(CsvSource<Reading> source,
             WatermarkStrategy strategy = WatermarkStrategy::Monotonous(),
             bool slow = false) {
    Dataflow flow;
    CollectorSink<WindowResult<uint32_t, int64_t>> windows;
    CollectorSink<Reading> late;
    auto results =
        flow.Source(std::move(source))
            .Map([slow](const Reading& r) {
              if (slow && r.time % 500 == 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
              }
              return r;
            })
            .AssignTimestamps([](const Reading& r) { return r.time; }, strategy)
            .KeyBy([](const Reading& r) { return r.server; })
            .Window(TumblingWindows(kWindow))
            .SideOutputLateData(OutputTag<Reading, "late">{})
            .Aggregate(aggregates::Count());
    results.Sink(windows);
    results.SideOutput(OutputTag<Reading, "late">{}).Sink(late);
    absl::Status status = flow.Run(Options());
    EXPECT_TRUE(status.ok()) << status;
    Result result;
    for (const auto& r : windows.Items())
      result.windows[{r.key, r.start, r.end}] += r.value;
    result.late = static_cast<int64_t>(late.Size());
    return result;
  }

  ScratchDirectory dir_;
  Counts expected_;
  int64_t readings_ = 0;
};

TEST_P(OverlappingFilesTest, EveryFileIsOnTime) {
  Result got = Run(CsvSource<Reading>(dir_.path(), ReadingSchema()).OverlappingFiles());
  EXPECT_EQ(got.late, 0);
  EXPECT_EQ(got.windows, expected_);
}

// Fewer files open than there are: the files not opened yet were announced, so they
// hold event time back until they are read.
TEST_P(OverlappingFilesTest, OneFileOpenAtATimeIsStillOnTime) {
  Result got = Run(CsvSource<Reading>(dir_.path(), ReadingSchema()).OverlappingFiles(1));
  EXPECT_EQ(got.late, 0);
  EXPECT_EQ(got.windows, expected_);
}

// With idleness, the files waiting for the one slot still hold event time back while
// a slow pipeline reads the open file for far longer than the idleness timeout.
TEST_P(OverlappingFilesTest, WaitingFilesDoNotGoIdle) {
  Result got =
      Run(CsvSource<Reading>(dir_.path(), ReadingSchema()).OverlappingFiles(1),
          WatermarkStrategy::Monotonous().WithIdleness(std::chrono::milliseconds(5)),
          /*slow=*/true);
  EXPECT_EQ(got.late, 0);
  EXPECT_EQ(got.windows, expected_);
}

TEST_P(OverlappingFilesTest, ReadOneAfterAnotherLaterFilesAreLate) {
  Result got = Run(CsvSource<Reading>(dir_.path(), ReadingSchema()));
  // At parallelism 2 the window takes the slower reader's watermark, so whether any
  // reading is late depends on how the two readers' progress interleaves.
  if (GetParam().parallelism == 1) {
    EXPECT_GT(got.late, 0);
  }
  int64_t counted = 0;
  for (const auto& [window, count] : got.windows) counted += count;
  EXPECT_EQ(counted + got.late, readings_) << "a reading was lost";
}

INSTANTIATE_TEST_SUITE_P(Configs, OverlappingFilesTest, testing::AllRunConfigs(),
                         RunConfigName);

// What a source instance emits, in order: "start 0", "queued 2" (announced, waiting
// for a slot), "end 1", "0:a1,a2" (a batch of split 0).
class SequenceOutput final : public Output {
 public:
  void Emit(BatchPtr batch) override {
    const Batch<std::string>& lines = BatchAs<std::string>(batch);
    std::string entry = std::to_string(lines.split) + ":";
    for (size_t i = 0; i < lines.items.size(); ++i) {
      entry += (i > 0 ? "," : "") + lines.items[i];
    }
    sequence.push_back(entry);
  }
  void EmitControl(ElementKind kind, int64_t value) override {
    std::string name = kind == ElementKind::kSplitStart ? "start "
                       : kind == ElementKind::kSplitEnd ? "end "
                                                        : "other ";
    if (kind == ElementKind::kSplitStart && IsQueuedSplit(value)) {
      name = "queued ";
      value = SplitIdOf(value);
    }
    sequence.push_back(name + std::to_string(value));
  }
  std::vector<std::string> sequence;
};

// Two files open at once, two records a batch: every file is announced first (the
// third as queued), the open files take turns, an empty file ends without a batch and the
// next file takes its place, and each file's end follows its last batch. Worked out by
// hand.
TEST(OverlappingFilesReaderTest, AnnouncesTakesTurnsAndEndsEachFile) {
  ScratchDirectory dir;
  dir.Write("a.txt", "a1\na2\na3\na4\na5\n");
  dir.Write("b.txt", "");
  dir.Write("c.txt", "c1\nc2\nc3\n");
  std::unique_ptr<SourceOperator> reader =
      TextLineSource(dir.path()).OverlappingFiles(2).CreateInstance();
  OperatorContext context;
  context.batch_size = 2;
  SLUICE_ASSERT_OK(reader->Open(context));
  SequenceOutput out;
  int steps = 0;
  for (;; ++steps) {
    absl::StatusOr<SourceStep> step = reader->Produce(out);
    ASSERT_TRUE(step.ok()) << step.status();
    if (step->kind == SourceStep::kEnd) break;
    ASSERT_LT(steps, 20) << "the reader never ended";
  }
  SLUICE_ASSERT_OK(reader->Close());
  EXPECT_THAT(out.sequence, ::testing::ElementsAre(
                                "start 0", "start 1", "queued 2", "0:a1,a2", "end 1",
                                "0:a3,a4", "2:c1,c2", "0:a5", "end 0", "2:c3", "end 2"));
}

// Read one after another, the files are one untagged stream with no split controls.
TEST(OverlappingFilesReaderTest, FilesReadOneAfterAnotherHaveNoSplits) {
  ScratchDirectory dir;
  dir.Write("a.txt", "a1\na2\na3\n");
  dir.Write("b.txt", "b1\n");
  std::unique_ptr<SourceOperator> reader = TextLineSource(dir.path()).CreateInstance();
  OperatorContext context;
  context.batch_size = 2;
  SLUICE_ASSERT_OK(reader->Open(context));
  SequenceOutput out;
  while (true) {
    absl::StatusOr<SourceStep> step = reader->Produce(out);
    ASSERT_TRUE(step.ok()) << step.status();
    if (step->kind == SourceStep::kEnd) break;
  }
  EXPECT_THAT(out.sequence, ::testing::ElementsAre("-1:a1,a2", "-1:a3,b1"));
}

TEST(OverlappingFilesValidationTest, NoFileOpenAtOnceFailsTheBuild) {
  ScratchDirectory dir;
  dir.Write("a.csv", "1,1\n");
  for (int at_once : {0, -3}) {
    Dataflow flow;
    flow.Source(CsvSource<Reading>(dir.path(), ReadingSchema()).OverlappingFiles(at_once))
        .Sink([](const Reading&) {});
    EXPECT_THAT(flow.Build(testing::QuietOptions()).status(),
                testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                  "the number of files open at once must be at least 1"));
  }
}

// The other file sources take the option too.
TEST(OverlappingFilesValidationTest, TextAndJsonLinesSourcesReadEveryFile) {
  ScratchDirectory dir;
  dir.Write("a.txt", "a1\na2\na3\n");
  dir.Write("b.txt", "b1\n");
  Dataflow flow;
  CollectorSink<std::string> lines;
  flow.Source(TextLineSource(dir.path()).OverlappingFiles(1)).Sink(lines);
  SLUICE_ASSERT_OK(flow.Run(testing::QuietOptions()));
  EXPECT_THAT(lines.Items(), ::testing::UnorderedElementsAre("a1", "a2", "a3", "b1"));

  ScratchDirectory json_dir;
  json_dir.Write("a.jsonl", "{\"server\": 1, \"time\": 5}\n");
  json_dir.Write("b.jsonl",
                 "{\"server\": 2, \"time\": 7}\n{\"server\": 3, \"time\": 9}\n");
  Dataflow json_flow;
  CollectorSink<Reading> readings;
  json_flow
      .Source(
          JsonLinesSource<Reading>(json_dir.path(), ReadingSchema()).OverlappingFiles())
      .Sink(readings);
  SLUICE_ASSERT_OK(json_flow.Run(testing::QuietOptions(2)));
  std::vector<int64_t> times;
  for (const Reading& r : readings.Items()) times.push_back(r.time);
  EXPECT_THAT(times, ::testing::UnorderedElementsAre(5, 7, 9));
}

}  // namespace
}  // namespace sluice
