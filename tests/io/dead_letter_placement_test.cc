// Where a dead-letter file may go: never among the source's own inputs (it would be
// emptied, or read back as input without end), and shared, not overwritten, when
// several sources name it. Issue 17, defects 1-3.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/sluice.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::AllRunConfigs;
using ::sluice::testing::QuietOptions;
using ::sluice::testing::RunConfig;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::ScratchDirectory;
using ::sluice::testing::StatusIs;
using ::testing::UnorderedElementsAreArray;

struct Row {
  int64_t id = 0;
  std::string name;
  bool operator==(const Row&) const = default;
};

RecordSchema<Row> RowSchema() {
  return RecordSchema<Row>().Field("id", &Row::id).Field("name", &Row::name);
}

constexpr char kJsonInput[] =
    "{\"id\":1,\"name\":\"a\"}\nnot json\n{\"id\":2,\"name\":\"b\"}\n";

absl::Status BuildJsonJob(const std::string& location, const std::string& dead_letters) {
  Dataflow flow;
  flow.Source(JsonLinesSource(location, RowSchema())
                  .OnBadRecord(BadRecordPolicy::DeadLetter(dead_letters)))
      .Sink([](const Row&) {});
  return flow.Build(QuietOptions()).status();
}

TEST(DeadLetterPlacementTest, InsideTheInputDirectoryIsRefusedAtBuild) {
  ScratchDirectory dir;
  dir.Write("in/a.jsonl", kJsonInput);
  const std::string dead_letters = dir.Path("in/rejected.jsonl");
  // Before the fix the job read its own dead letters as input and never ended.
  EXPECT_THAT(BuildJsonJob(dir.Path("in"), dead_letters),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "dead-letter file '" + dead_letters + "' is an input"));
  EXPECT_FALSE(std::filesystem::exists(dead_letters));
  // The same with a trailing slash, a pattern that matches it, and a dead-letter file
  // left by an earlier run.
  EXPECT_THAT(BuildJsonJob(dir.Path("in/"), dead_letters),
              StatusIs(absl::StatusCode::kInvalidArgument, "is an input"));
  EXPECT_THAT(BuildJsonJob(dir.Path("in/*.jsonl"), dead_letters),
              StatusIs(absl::StatusCode::kInvalidArgument, "is an input"));
  dir.Write("in/rejected.jsonl", "");
  EXPECT_THAT(BuildJsonJob(dir.Path("in"), dead_letters),
              StatusIs(absl::StatusCode::kInvalidArgument, "is an input"));
}

TEST(DeadLetterPlacementTest, BesideTheInputIsFine) {
  ScratchDirectory dir;
  dir.Write("in/a.jsonl", kJsonInput);
  SLUICE_EXPECT_OK(BuildJsonJob(dir.Path("in"), dir.Path("rejected.jsonl")));
  // In the input directory but not matched by the pattern: never read back.
  SLUICE_EXPECT_OK(BuildJsonJob(dir.Path("in/*.jsonl"), dir.Path("in/rejected.txt")));
  SLUICE_EXPECT_OK(BuildJsonJob(dir.Path("in/a.jsonl"), dir.Path("in/rejected.jsonl")));
}

TEST(DeadLetterPlacementTest, TheInputFileItselfIsRefusedAndKept) {
  ScratchDirectory dir;
  const std::string content = "1,a\n2\n3,c\n";
  const std::string input = dir.Write("in.csv", content);
  // Other spellings of the same file: a relative path, a detour, a symbolic link.
  ASSERT_EQ(::symlink(input.c_str(), dir.Path("link.csv").c_str()), 0);
  std::string relative = std::filesystem::relative(input).string();
  for (const std::string& dead_letters :
       {input, dir.Path("./in.csv"), dir.Path("link.csv"), relative}) {
    SCOPED_TRACE(dead_letters);
    Dataflow flow;
    flow.Source(CsvSource(input, RowSchema())
                    .OnBadRecord(BadRecordPolicy::DeadLetter(dead_letters)))
        .Sink([](const Row&) {});
    // Before the fix: OK with 0 records, and the input emptied.
    EXPECT_THAT(flow.Run(QuietOptions()), StatusIs(absl::StatusCode::kInvalidArgument,
                                                   "is an input of this source"));
    EXPECT_EQ(ScratchDirectory::Read(input), content);
  }
}

TEST(DeadLetterPlacementTest, CheckedAgainWhenTheJobStarts) {
  ScratchDirectory dir;
  dir.Write("in/a.jsonl", kJsonInput);
  std::filesystem::create_directory(dir.Path("out"));
  // `where` points elsewhere when the job is built and at the input when it starts.
  ASSERT_EQ(::symlink(dir.Path("out").c_str(), dir.Path("where").c_str()), 0);
  Dataflow flow;
  CollectorSink<Row> sink;
  flow.Source(JsonLinesSource(dir.Path("in"), RowSchema())
                  .OnBadRecord(BadRecordPolicy::DeadLetter(dir.Path("where/dead.jsonl"))))
      .Sink(sink);
  absl::StatusOr<Job> job = flow.Build(QuietOptions());
  SLUICE_ASSERT_OK(job);
  std::filesystem::remove(dir.Path("where"));
  ASSERT_EQ(::symlink(dir.Path("in").c_str(), dir.Path("where").c_str()), 0);
  EXPECT_THAT(job->Run(), StatusIs(absl::StatusCode::kInvalidArgument, "is an input"));
  EXPECT_TRUE(sink.Items().empty());
}

class SharedDeadLetterTest : public ::testing::TestWithParam<RunConfig> {};

// `bad` bad lines and 10 good ones, interleaved; the bad ones' line numbers.
std::vector<uint64_t> WriteCsv(const ScratchDirectory& dir, const std::string& name,
                               int bad) {
  std::string content;
  std::vector<uint64_t> bad_lines;
  const int lines = bad + 10;
  const int spacing = lines / 10;  // a good line every `spacing` lines, 10 in all
  for (int i = 0; i < lines; ++i) {
    if (i % spacing == 0 && i / spacing < 10) {
      content += std::to_string(i) + ",good\n";
    } else {
      content += "x" + std::to_string(i) + ",bad\n";
      bad_lines.push_back(i + 1);
    }
  }
  dir.Write(name, content);
  return bad_lines;
}

// Two sources naming one dead-letter file (in two spellings) append to it; before
// the fix each opened it with fopen("wb") and the file held only the last one's.
TEST_P(SharedDeadLetterTest, TwoSourcesAppendToOneFile) {
  ScratchDirectory dir;
  std::map<std::string, std::vector<uint64_t>> expected;  // file -> bad lines
  expected[dir.Path("a.csv")] = WriteCsv(dir, "a.csv", 300);
  expected[dir.Path("b.csv")] = WriteCsv(dir, "b.csv", 200);
  ASSERT_EQ(expected[dir.Path("a.csv")].size() + expected[dir.Path("b.csv")].size(),
            500u);
  ASSERT_EQ(::symlink(dir.path().c_str(), dir.Path("alias").c_str()), 0);
  auto a = CsvSource(dir.Path("a.csv"), RowSchema())
               .OnBadRecord(BadRecordPolicy::DeadLetter(dir.Path("dead.jsonl")));
  auto b = CsvSource(dir.Path("b.csv"), RowSchema())
               .OnBadRecord(BadRecordPolicy::DeadLetter(dir.Path("alias/dead.jsonl")));
  for (int run = 0; run < 2; ++run) {  // a second run starts the file afresh
    SCOPED_TRACE(run);
    Dataflow flow;
    CollectorSink<Row> sink;
    flow.Source(a).Union(flow.Source(b)).Sink(sink);
    SLUICE_ASSERT_OK(flow.Run(GetParam().Options()));
    EXPECT_EQ(sink.Items().size(), 20u);
    EXPECT_EQ(a.bad_records().dead_lettered() + b.bad_records().dead_lettered(),
              500u * (run + 1));  // counts add up over the policy's runs
    std::map<std::string, std::vector<uint64_t>> found;
    const std::regex kWhere(R"re(^\{"file":"([^"]*)","line":(\d+),.*\}$)re");
    for (const std::string& line : ScratchDirectory::ReadLines(dir.Path("dead.jsonl"))) {
      std::smatch match;
      ASSERT_TRUE(std::regex_match(line, match, kWhere)) << line;
      found[match[1].str()].push_back(std::stoull(match[2].str()));
    }
    ASSERT_EQ(found.size(), 2u);
    for (auto& [file, lines] : expected) {
      EXPECT_THAT(found[file], UnorderedElementsAreArray(lines)) << file;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, SharedDeadLetterTest, AllRunConfigs(), RunConfigName);

}  // namespace
}  // namespace sluice
