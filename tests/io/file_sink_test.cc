// CsvSink and JsonLinesSink end to end: awkward strings written through a dataflow
// into one merged file or one file per instance, then read back with the test's own
// plain-C++ parsing and compared with the input.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <ostream>
#include <set>
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
using ::sluice::testing::RunConfig;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::ScratchDirectory;
using ::sluice::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;

struct Out {
  int64_t id = 0;
  double amount = 0;
  std::string text;
  bool flag = false;
  bool operator==(const Out&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Out& o) {
  return out << "{" << o.id << ", " << o.amount << ", \"" << o.text << "\", " << o.flag
             << "}";
}

RecordSchema<Out> OutSchema() {
  return RecordSchema<Out>()
      .Field("id", &Out::id)
      .Field("amount", &Out::amount)
      .Field("text", &Out::text)
      .Field("flag", &Out::flag);
}

std::vector<Out> Records() {
  const std::vector<std::string> texts = {
      "plain",      "comma, here", "quote \" inside", "new\nline",
      "cr\rhere",   "tab\there",   "ctl\x01\x1f",     "unicode \xC3\xA9 \xE2\x82\xAC",
      "",           " padded ",    "back\\slash",     "\"quoted\"",
      "semi;colon", "trailing,"};
  std::vector<Out> records;
  for (int i = 0; i < 200; ++i) {
    records.push_back({i, i + 0.5, texts[i % texts.size()], i % 3 == 0});
  }
  return records;
}

// An RFC 4180 reader written for the test, independent of io/csv_parser.
std::vector<std::vector<std::string>> ParseCsvFile(const std::string& content) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < content.size(); ++i) {
    char c = content[i];
    if (quoted) {
      if (c == '"' && i + 1 < content.size() && content[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
    } else if (c == '\n') {
      row.push_back(field);
      field.clear();
      rows.push_back(row);
      row.clear();
    } else {
      field += c;
    }
  }
  EXPECT_FALSE(quoted) << "file ends inside quotes";
  EXPECT_TRUE(row.empty() && field.empty()) << "last line has no newline";
  return rows;
}

Out RowToOut(const std::vector<std::string>& row) {
  EXPECT_EQ(row.size(), 4u);
  if (row.size() != 4) return {};
  EXPECT_TRUE(row[3] == "true" || row[3] == "false") << row[3];
  return {std::stoll(row[0]), std::stod(row[1]), row[2], row[3] == "true"};
}

// The test's own JSON escaping, spelled out per character.
std::string JsonQuote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "\\u%04x", c);
          out += hex;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string ExpectedJsonLine(const Out& o) {
  return "{\"id\":" + std::to_string(o.id) + ",\"amount\":" + std::to_string(o.id) +
         ".5,\"text\":" + JsonQuote(o.text) + ",\"flag\":" + (o.flag ? "true" : "false") +
         "}";
}

class FileSinkTest : public ::testing::TestWithParam<RunConfig> {
 protected:
  template <class Sink>
  void WriteAll(Sink sink) {
    Dataflow flow;
    flow.Source(CollectionSource(Records())).Sink(std::move(sink));
    SLUICE_ASSERT_OK(flow.Run(GetParam().Options()));
  }

  // The part files the per-instance sinks wrote: exactly one per instance.
  std::vector<std::string> PartFiles(const std::string& directory,
                                     const std::string& extension) {
    std::set<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
      found.insert(entry.path().filename().string());
    }
    std::set<std::string> expected;
    std::vector<std::string> paths;
    for (int i = 0; i < GetParam().parallelism; ++i) {
      std::string name = "part-" + std::to_string(i) + "." + extension;
      expected.insert(name);
      paths.push_back(directory + "/" + name);
    }
    EXPECT_EQ(found, expected);
    return paths;
  }
};

TEST_P(FileSinkTest, CsvMergedFileRoundTrips) {
  ScratchDirectory dir;
  std::string path = dir.Path("out.csv");
  WriteAll(CsvSink(path, OutSchema()).Header());
  std::vector<std::vector<std::string>> rows = ParseCsvFile(ScratchDirectory::Read(path));
  ASSERT_FALSE(rows.empty());
  EXPECT_THAT(rows[0], ElementsAre("id", "amount", "text", "flag"));
  std::vector<Out> read;
  for (size_t i = 1; i < rows.size(); ++i) read.push_back(RowToOut(rows[i]));
  EXPECT_THAT(read, UnorderedElementsAreArray(Records()));
}

TEST_P(FileSinkTest, CsvFilePerInstanceRoundTrips) {
  ScratchDirectory dir;
  std::string directory = dir.Path("out");
  WriteAll(CsvSink(directory, OutSchema()).FilePerInstance());
  std::vector<Out> read;
  for (const std::string& part : PartFiles(directory, "csv")) {
    std::vector<std::vector<std::string>> rows =
        ParseCsvFile(ScratchDirectory::Read(part));
    EXPECT_FALSE(rows.empty()) << part << " is empty";
    for (const auto& row : rows) read.push_back(RowToOut(row));
  }
  EXPECT_THAT(read, UnorderedElementsAreArray(Records()));
}

// Exactly-once mode: part files rolled by size, each with the header, every record
// once; nothing hidden (uncommitted) is left after a finished job.
TEST_P(FileSinkTest, CsvExactlyOnceCommitsEveryRecordOnceInRolledFiles) {
  ScratchDirectory dir;
  std::string directory = dir.Path("out");
  ExactlyOnceFiles files;
  files.roll_bytes = 1000;
  WriteAll(CsvSink(directory, OutSchema()).Header().ExactlyOnce(files));
  std::vector<Out> read;
  int parts = 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".lock-")) continue;
    ASSERT_FALSE(name.starts_with(".")) << "left uncommitted: " << name;
    ASSERT_TRUE(name.starts_with("part-") && name.ends_with(".csv")) << name;
    ++parts;
    auto rows = ParseCsvFile(ScratchDirectory::Read(entry.path().string()));
    ASSERT_FALSE(rows.empty());
    EXPECT_THAT(rows[0], ElementsAre("id", "amount", "text", "flag")) << name;
    for (size_t i = 1; i < rows.size(); ++i) read.push_back(RowToOut(rows[i]));
  }
  // ~6 KB of records rolled at 1 KB: files roll between batches, and in large batches
  // every record comes in one.
  if (GetParam().batch_size < 10) {
    EXPECT_GE(parts, 4);
  }
  EXPECT_THAT(read, UnorderedElementsAreArray(Records()));
}

// A job that fails commits nothing: readers see no file; the next job clears what
// it left and writes its own.
TEST_P(FileSinkTest, JsonLinesExactlyOnceCommitsNothingWhenTheJobFails) {
  ScratchDirectory dir;
  std::string directory = dir.Path("out");
  {
    Dataflow flow;
    flow.Source(CollectionSource(Records()))
        .Map([](const Out& o) {
          if (o.id == 150) throw std::runtime_error("boom");
          return o;
        })
        .Sink(JsonLinesSink(directory, OutSchema()).ExactlyOnce());
    EXPECT_FALSE(flow.Run(GetParam().Options()).ok());
  }
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    EXPECT_TRUE(entry.path().filename().string().starts_with("."))
        << "committed by a failed job: " << entry.path();
  }
  WriteAll(JsonLinesSink(directory, OutSchema()).ExactlyOnce());
  std::vector<std::string> lines;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".lock-")) continue;
    ASSERT_FALSE(name.starts_with(".")) << "left uncommitted: " << name;
    for (auto& line : ScratchDirectory::ReadLines(entry.path().string())) {
      lines.push_back(line);
    }
  }
  std::vector<std::string> want;
  for (const Out& o : Records()) want.push_back(ExpectedJsonLine(o));
  EXPECT_THAT(lines, UnorderedElementsAreArray(want));
}

TEST_P(FileSinkTest, JsonLinesMergedFileMatchesHandWrittenLines) {
  ScratchDirectory dir;
  std::string path = dir.Path("out.jsonl");
  WriteAll(JsonLinesSink(path, OutSchema()));
  std::vector<std::string> expected;
  for (const Out& o : Records()) expected.push_back(ExpectedJsonLine(o));
  EXPECT_THAT(ScratchDirectory::ReadLines(path), UnorderedElementsAreArray(expected));
}

TEST_P(FileSinkTest, JsonLinesFilePerInstanceMatchesHandWrittenLines) {
  ScratchDirectory dir;
  std::string directory = dir.Path("nested/out");
  WriteAll(JsonLinesSink(directory, OutSchema()).FilePerInstance());
  std::vector<std::string> lines;
  for (const std::string& part : PartFiles(directory, "jsonl")) {
    std::vector<std::string> part_lines = ScratchDirectory::ReadLines(part);
    EXPECT_FALSE(part_lines.empty()) << part << " is empty";
    lines.insert(lines.end(), part_lines.begin(), part_lines.end());
  }
  std::vector<std::string> expected;
  for (const Out& o : Records()) expected.push_back(ExpectedJsonLine(o));
  EXPECT_THAT(lines, UnorderedElementsAreArray(expected));
}

// The sinks' output read back by the sources: CSV and JSON lines each survive a
// round trip through the engine's own writer and reader.
TEST_P(FileSinkTest, SourcesReadWhatSinksWrote) {
  ScratchDirectory dir;
  WriteAll(CsvSink(dir.Path("csv"), OutSchema()).Header().FilePerInstance());
  WriteAll(JsonLinesSink(dir.Path("out.jsonl"), OutSchema()));
  for (bool json : {false, true}) {
    Dataflow flow;
    CollectorSink<Out> sink;
    if (json) {
      flow.Source(JsonLinesSource(dir.Path("out.jsonl"), OutSchema())).Sink(sink);
    } else {
      flow.Source(CsvSource(dir.Path("csv"), OutSchema()).Header()).Sink(sink);
    }
    SLUICE_ASSERT_OK(flow.Run(GetParam().Options()));
    EXPECT_THAT(sink.Items(), UnorderedElementsAreArray(Records())) << "json: " << json;
  }
}

TEST_P(FileSinkTest, NonFiniteNumbersBecomeJsonNull) {
  ScratchDirectory dir;
  std::string path = dir.Path("out.jsonl");
  std::vector<Out> records = {{1, std::numeric_limits<double>::infinity(), "a", true},
                              {2, std::nan(""), "b", false}};
  Dataflow flow;
  flow.Source(CollectionSource(records)).Sink(JsonLinesSink(path, OutSchema()));
  SLUICE_ASSERT_OK(flow.Run(GetParam().Options()));
  EXPECT_THAT(ScratchDirectory::ReadLines(path),
              UnorderedElementsAreArray(
                  {"{\"id\":1,\"amount\":null,\"text\":\"a\",\"flag\":true}",
                   "{\"id\":2,\"amount\":null,\"text\":\"b\",\"flag\":false}"}));
}

TEST_P(FileSinkTest, WriteFailureFailsTheJobNamingThePath) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  Dataflow flow;
  flow.Source(CollectionSource(Records())).Sink(CsvSink("/dev/full", OutSchema()));
  EXPECT_THAT(flow.Run(GetParam().Options()),
              StatusIs(absl::StatusCode::kResourceExhausted, "cannot write '/dev/full'"));
}

// An unbounded job never reaches Close, so a failed write must stop it while it runs
// (without that, this test would never end).
TEST_P(FileSinkTest, WriteFailureStopsAnUnboundedJob) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  Dataflow flow;
  flow.Source(GeneratorSource([](uint64_t i) {
        return Out{static_cast<int64_t>(i), 1.5, "text", true};
      }))
      .Sink(JsonLinesSink("/dev/full", OutSchema()));
  EXPECT_THAT(flow.Run(GetParam().Options()),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "(instance 1 of 1): cannot write '/dev/full'"));
}

TEST_P(FileSinkTest, BadOutputPathsFailTheBuild) {
  ScratchDirectory dir;
  {
    Dataflow flow;
    flow.Source(CollectionSource(Records()))
        .Sink(CsvSink(dir.Path("missing/out.csv"), OutSchema()));
    EXPECT_THAT(flow.Build(GetParam().Options()),
                StatusIs(absl::StatusCode::kNotFound, dir.Path("missing")));
  }
  {
    std::string file = dir.Write("taken", "x");
    Dataflow flow;
    flow.Source(CollectionSource(Records()))
        .Sink(JsonLinesSink(file, OutSchema()).FilePerInstance());
    EXPECT_THAT(flow.Build(GetParam().Options()),
                StatusIs(absl::StatusCode::kFailedPrecondition, file));
  }
}

TEST_P(FileSinkTest, MergedSinkRefusesExplicitParallelism) {
  ScratchDirectory dir;
  Dataflow flow;
  flow.Source(CollectionSource(Records()))
      .Sink(CsvSink(dir.Path("out.csv"), OutSchema()))
      .Parallelism(2);
  EXPECT_THAT(flow.Build(GetParam().Options()),
              StatusIs(absl::StatusCode::kInvalidArgument, "at most 1 instance"));
}

INSTANTIATE_TEST_SUITE_P(Configs, FileSinkTest, AllRunConfigs(), RunConfigName);

}  // namespace
}  // namespace sluice
