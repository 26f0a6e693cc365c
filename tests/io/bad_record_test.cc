// Bad input under each BadRecordPolicy, for CSV and JSON lines: failing names the
// file, line and reason; skipping counts; dead-lettering counts and keeps the raw
// record. The good records around the bad ones must all still arrive.
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
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
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

struct Row {
  int64_t id = 0;
  double amount = 0;
  std::string name;
  bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Row& r) {
  return out << "{" << r.id << ", " << r.amount << ", \"" << r.name << "\"}";
}

RecordSchema<Row> RowSchema() {
  return RecordSchema<Row>()
      .Field("id", &Row::id)
      .Field("amount", &Row::amount)
      .Field("name", &Row::name);
}

struct BadLine {
  uint64_t line;
  std::string reason;  // a substring of the reported reason
  std::string raw;     // the record as it was read (no line ending)
};

struct BadInputCase {
  std::string name;
  bool json;
  std::string content;
  std::vector<Row> good;
  std::vector<BadLine> bad;
};

std::vector<BadInputCase> Cases() {
  return {
      {"csv_wrong_field_counts",
       false,
       "1,2.5,a\n2,3.5\n3,4.5,c,extra\n4,5.5,d\n",
       {{1, 2.5, "a"}, {4, 5.5, "d"}},
       {{2, "expected 3 fields, found 2", "2,3.5"},
        {3, "expected 3 fields, found 4", "3,4.5,c,extra"}}},
      {"csv_non_numeric",
       false,
       "1,2.5,a\nx1,2.5,b\n3,12abc,c\n4,,d\n5,1.5,e\n",
       {{1, 2.5, "a"}, {5, 1.5, "e"}},
       {{2, "field 'id': not an integer: 'x1'", "x1,2.5,b"},
        {3, "field 'amount': not a number: '12abc'", "3,12abc,c"},
        {4, "field 'amount': empty value", "4,,d"}}},
      {"csv_overflow",
       false,
       "9223372036854775808,1,a\n-9223372036854775808,1e400,b\n7,1,c\n",
       {{7, 1, "c"}},
       {{1, "field 'id': integer out of range", "9223372036854775808,1,a"},
        {2, "field 'amount': number out of range", "-9223372036854775808,1e400,b"}}},
      {"csv_truncated_lines",
       false,
       "1,2.5,a\n2,2.5,\"trunc\n3,3.5,c\n4,4",
       {{1, 2.5, "a"}, {3, 3.5, "c"}},
       {{2, "unterminated quoted field", "2,2.5,\"trunc"},
        {4, "expected 3 fields, found 2", "4,4"}}},
      {"csv_invalid_utf8",
       false,
       "1,2.5,ok\n2,2.5,caf\xE9\n3,3.5,\"multi\nline \xFF\"\n4,1,z\n",
       {{1, 2.5, "ok"}, {4, 1, "z"}},
       {{2, "invalid UTF-8", "2,2.5,caf\xE9"},
        {3, "invalid UTF-8", "3,3.5,\"multi\nline \xFF\""}}},
      {"csv_crlf",
       false,
       "1,2.5,a\r\n2,x,b\r\n3,1,\"c\r\nd\"\r\n",
       {{1, 2.5, "a"}, {3, 1, "c\nd"}},
       {{2, "field 'amount': not a number: 'x'", "2,x,b"}}},
      {"csv_stray_quotes",
       false,
       "5,1,ab\"c\n6,1,\"ab\"c\n7,1,\"ok\"\n",
       {{7, 1, "ok"}},
       {{1, "quote inside an unquoted field", "5,1,ab\"c"},
        {2, "unexpected text after the closing quote", "6,1,\"ab\"c"}}},
      {"json_truncated_lines",
       true,
       "{\"id\":1,\"amount\":2.5,\"name\":\"a\"}\n{\"id\":2,\"amount\":2.5,\"na\n"
       "{\"id\":3,\"amount\":1,\"name\":\"c\"}\n{\"id\":4,",
       {{1, 2.5, "a"}, {3, 1, "c"}},
       {{2, "invalid JSON", "{\"id\":2,\"amount\":2.5,\"na"},
        {4, "invalid JSON", "{\"id\":4,"}}},
      {"json_missing_null_and_mistyped_fields",
       true,
       "{\"id\":1,\"name\":\"a\"}\n"
       "{\"id\":2,\"amount\":null,\"name\":\"b\"}\n"
       "{\"id\":\"3\",\"amount\":1,\"name\":\"c\"}\n"
       "{\"id\":4,\"amount\":12abc,\"name\":\"d\"}\n"
       "{\"id\":1.5,\"amount\":1,\"name\":\"e\"}\n"
       "{\"id\":6,\"amount\":6,\"name\":\"f\",\"extra\":[1]}\n"
       "{\"id\":7,\"amount\":7,\"name\":8}\n",
       {{6, 6, "f"}},
       {{1, "missing field 'amount'", "{\"id\":1,\"name\":\"a\"}"},
        {2, "null field 'amount'", "{\"id\":2,\"amount\":null,\"name\":\"b\"}"},
        {3, "field 'id': expected a number, found a string",
         "{\"id\":\"3\",\"amount\":1,\"name\":\"c\"}"},
        {4, "field 'amount': invalid JSON number '12abc'",
         "{\"id\":4,\"amount\":12abc,\"name\":\"d\"}"},
        {5, "field 'id': not an integer: '1.5'",
         "{\"id\":1.5,\"amount\":1,\"name\":\"e\"}"},
        {7, "field 'name': expected a string, found a number",
         "{\"id\":7,\"amount\":7,\"name\":8}"}}},
      {"json_invalid_utf8_overflow_and_not_objects",
       true,
       "{\"id\":1,\"amount\":1,\"name\":\"\xFF\"}\n"
       "{\"id\":9223372036854775808,\"amount\":1,\"name\":\"x\"}\n"
       "[1,2,3]\n"
       "{\"id\":4,\"amount\":1,\"name\":\"g\"} trailing\n"
       "{\"id\":4,\"amount\":1,\"name\":\"g\"}{\"id\":4}\n"
       "{\"id\":5,\"amount\":-1e-3,\"name\":\"\\u00e9\"}\r\n",
       {{5, -1e-3, "\xC3\xA9"}},
       {{1, "invalid UTF-8", "{\"id\":1,\"amount\":1,\"name\":\"\xFF\"}"},
        {2, "field 'id': integer out of range",
         "{\"id\":9223372036854775808,\"amount\":1,\"name\":\"x\"}"},
        {3, "not a JSON object", "[1,2,3]"},
        {4, "unexpected text after the JSON object at column 32",
         "{\"id\":4,\"amount\":1,\"name\":\"g\"} trailing"},
        {5, "unexpected text after the JSON object",
         "{\"id\":4,\"amount\":1,\"name\":\"g\"}{\"id\":4}"}}},
  };
}

// The test's own JSON string escaping, for the few characters its raw records hold.
std::string EscapeForJson(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

bool IsValidUtf8ForThisTest(const std::string& text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return false;  // every non-ASCII byte in these cases is invalid
  }
  return true;
}

class BadRecordTest : public ::testing::TestWithParam<RunConfig> {
 protected:
  // Runs the case's file through a source with `policy`; returns the job status and
  // the good records.
  absl::Status Run(const BadInputCase& c, const std::string& path, BadRecordPolicy policy,
                   std::vector<Row>* good) {
    Dataflow flow;
    CollectorSink<Row> sink;
    if (c.json) {
      flow.Source(JsonLinesSource(path, RowSchema()).OnBadRecord(policy)).Sink(sink);
    } else {
      flow.Source(CsvSource(path, RowSchema()).OnBadRecord(policy)).Sink(sink);
    }
    absl::Status status = flow.Run(GetParam().Options());
    *good = sink.Items();
    return status;
  }
};

TEST_P(BadRecordTest, FailPolicyNamesFileLineAndReason) {
  for (const BadInputCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    ScratchDirectory dir;
    std::string path = dir.Write(c.name + (c.json ? ".jsonl" : ".csv"), c.content);
    std::vector<Row> good;
    absl::Status status = Run(c, path, BadRecordPolicy::Fail(), &good);
    const BadLine& first = c.bad.front();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                                 "bad record at " + path + ":" +
                                     std::to_string(first.line) + ": " + first.reason));
    // The runtime names the failing operator too.
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.json ? "json_lines" : "csv"));
  }
}

TEST_P(BadRecordTest, SkipPolicyCountsAndKeepsTheGoodRecords) {
  for (const BadInputCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    ScratchDirectory dir;
    std::string path = dir.Write(c.name + (c.json ? ".jsonl" : ".csv"), c.content);
    BadRecordPolicy policy = BadRecordPolicy::Skip();
    std::vector<Row> good;
    SLUICE_EXPECT_OK(Run(c, path, policy, &good));
    EXPECT_THAT(good, UnorderedElementsAreArray(c.good));
    EXPECT_EQ(policy.counts().skipped(), c.bad.size());
    EXPECT_EQ(policy.counts().dead_lettered(), 0u);
  }
}

TEST_P(BadRecordTest, DeadLetterPolicyWritesRecordReasonFileAndLine) {
  const std::regex kDeadLetter(
      R"re(^\{"file":"([^"]*)","line":(\d+),"reason":"([^"]*)","(record|record_base64)":"(.*)"\}$)re");
  for (const BadInputCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    ScratchDirectory dir;
    std::string path = dir.Write(c.name + (c.json ? ".jsonl" : ".csv"), c.content);
    std::string dead_letters = dir.Path("rejected.jsonl");
    BadRecordPolicy policy = BadRecordPolicy::DeadLetter(dead_letters);
    std::vector<Row> good;
    SLUICE_EXPECT_OK(Run(c, path, policy, &good));
    EXPECT_THAT(good, UnorderedElementsAreArray(c.good));
    EXPECT_EQ(policy.counts().dead_lettered(), c.bad.size());
    EXPECT_EQ(policy.counts().skipped(), 0u);

    // One file, so one reader, so the dead letters are in file order.
    std::vector<std::string> lines = ScratchDirectory::ReadLines(dead_letters);
    ASSERT_EQ(lines.size(), c.bad.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      std::smatch match;
      ASSERT_TRUE(std::regex_match(lines[i], match, kDeadLetter)) << lines[i];
      const BadLine& bad = c.bad[i];
      EXPECT_EQ(match[1], path);
      EXPECT_EQ(match[2], std::to_string(bad.line));
      EXPECT_THAT(match[3].str(), HasSubstr(bad.reason));
      if (IsValidUtf8ForThisTest(bad.raw)) {
        EXPECT_EQ(match[4], "record");
        EXPECT_EQ(match[5], EscapeForJson(bad.raw));
      } else {
        EXPECT_EQ(match[4], "record_base64");
        EXPECT_EQ(match[5], absl::Base64Escape(bad.raw));
      }
    }
  }
}

TEST_P(BadRecordTest, ParallelReadersShareOneDeadLetterFile) {
  ScratchDirectory dir;
  std::vector<std::string> expected_lines;
  std::vector<Row> expected_good;
  for (int f = 0; f < 4; ++f) {
    std::string content;
    for (int i = 0; i < 30; ++i) {
      if (i % 7 == 3) {
        content += std::to_string(i) + ",oops,b\n";
        expected_lines.push_back(dir.Path("in/" + std::to_string(f) + ".csv") + ":" +
                                 std::to_string(i + 1));
      } else {
        content += std::to_string(i) + ",1.5,f" + std::to_string(f) + "\n";
        expected_good.push_back({i, 1.5, "f" + std::to_string(f)});
      }
    }
    dir.Write("in/" + std::to_string(f) + ".csv", content);
  }
  std::string dead_letters = dir.Path("rejected.jsonl");
  auto source = CsvSource(dir.Path("in"), RowSchema())
                    .OnBadRecord(BadRecordPolicy::DeadLetter(dead_letters));
  Dataflow flow;
  CollectorSink<Row> sink;
  flow.Source(source).Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(GetParam().Options()));
  EXPECT_THAT(sink.Items(), UnorderedElementsAreArray(expected_good));
  EXPECT_EQ(source.bad_records().dead_lettered(), expected_lines.size());

  std::vector<std::string> found;
  const std::regex kWhere(
      R"re(^\{"file":"([^"]*)","line":(\d+),.*,"record":"\d+,oops,b"\}$)re");
  for (const std::string& line : ScratchDirectory::ReadLines(dead_letters)) {
    std::smatch match;
    ASSERT_TRUE(std::regex_match(line, match, kWhere)) << line;
    found.push_back(match[1].str() + ":" + match[2].str());
  }
  EXPECT_THAT(found, UnorderedElementsAreArray(expected_lines));
}

TEST_P(BadRecordTest, DeadLetterDirectoryMustExist) {
  ScratchDirectory dir;
  std::string path = dir.Write("t.csv", "1,1,a\n");
  std::string dead_letters = dir.Path("no_such_dir/rejected.jsonl");
  Dataflow flow;
  flow.Source(CsvSource(path, RowSchema())
                  .OnBadRecord(BadRecordPolicy::DeadLetter(dead_letters)))
      .Sink([](const Row&) {});
  EXPECT_THAT(flow.Build(GetParam().Options()),
              StatusIs(absl::StatusCode::kNotFound, dir.Path("no_such_dir")));
}

TEST_P(BadRecordTest, TextLinesDeadLetterKeepsInvalidBytes) {
  ScratchDirectory dir;
  std::string path = dir.Write("t.txt", "ok\n\xFE\xFF\r\nfine\n");
  std::string dead_letters = dir.Path("rejected.jsonl");
  auto source =
      TextLineSource(path).OnBadRecord(BadRecordPolicy::DeadLetter(dead_letters));
  Dataflow flow;
  CollectorSink<std::string> sink;
  flow.Source(source).Sink(sink);
  SLUICE_ASSERT_OK(flow.Run(GetParam().Options()));
  EXPECT_THAT(sink.Items(), UnorderedElementsAreArray({"ok", "fine"}));
  EXPECT_EQ(source.bad_records().dead_lettered(), 1u);
  EXPECT_THAT(ScratchDirectory::ReadLines(dead_letters),
              ::testing::ElementsAre("{\"file\":\"" + path +
                                     "\",\"line\":2,\"reason\":\"invalid UTF-8\","
                                     "\"record_base64\":\"" +
                                     absl::Base64Escape("\xFE\xFF") + "\"}"));
}

INSTANTIATE_TEST_SUITE_P(Configs, BadRecordTest, AllRunConfigs(), RunConfigName);

}  // namespace
}  // namespace sluice
