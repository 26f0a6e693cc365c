// Every file of the bad-input corpus (tests/data/bad_input: quoting, field counts,
// numbers, invalid UTF-8, NUL bytes, line endings, long lines, truncated files) read
// under every bad-record policy, against the good records and dead letters written
// out beside it by generate_corpus.py, which works them out from the documented rules
// rather than by running sluice.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
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
  uint8_t count = 0;
  bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Row& r) {
  return out << "{" << r.id << ", " << r.amount << ", \"" << absl::CHexEscape(r.name)
             << "\", " << int{r.count} << "}";
}

RecordSchema<Row> RowSchema() {
  return RecordSchema<Row>()
      .Field("id", &Row::id)
      .Field("amount", &Row::amount)
      .Field("name", &Row::name)
      .Field("count", &Row::count);
}

struct DeadLetter {
  uint64_t line = 0;
  std::string record;  // the exact bytes
  std::string reason;  // expected: a substring of the reported reason
};

struct CorpusCase {
  std::string path;
  bool json = false;
  std::vector<Row> good;
  std::vector<DeadLetter> dead;
};

std::string Unhex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

std::vector<std::vector<std::string>> ReadTabbed(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  for (const std::string& line : ScratchDirectory::ReadLines(path)) {
    rows.push_back(absl::StrSplit(line, '\t'));
  }
  return rows;
}

CorpusCase LoadCase(const std::filesystem::path& input) {
  CorpusCase c;
  c.path = input.string();
  c.json = input.extension() == ".jsonl";
  std::filesystem::path base = input;
  base.replace_extension();
  for (const auto& fields : ReadTabbed(base.string() + ".good")) {
    EXPECT_EQ(fields.size(), 4u) << base;
    if (fields.size() != 4) continue;
    c.good.push_back({std::stoll(fields[0]), std::strtod(fields[1].c_str(), nullptr),
                      Unhex(fields[3]), static_cast<uint8_t>(std::stoi(fields[2]))});
  }
  for (const auto& fields : ReadTabbed(base.string() + ".dead")) {
    EXPECT_EQ(fields.size(), 3u) << base;
    if (fields.size() != 3) continue;
    c.dead.push_back({std::stoull(fields[0]), Unhex(fields[1]), fields[2]});
  }
  return c;
}

std::vector<CorpusCase> LoadCorpus() {
  std::vector<CorpusCase> cases;
  const std::filesystem::path root =
      std::filesystem::path(SLUICE_SOURCE_DIR) / "tests/data/bad_input";
  for (const char* kind : {"csv", "json"}) {
    for (const auto& entry : std::filesystem::directory_iterator(root / kind)) {
      const std::string extension = entry.path().extension().string();
      if (extension == ".csv" || extension == ".jsonl") {
        cases.push_back(LoadCase(entry.path()));
      }
    }
  }
  std::sort(cases.begin(), cases.end(),
            [](const CorpusCase& a, const CorpusCase& b) { return a.path < b.path; });
  return cases;
}

// The test's own reader of one dead-letter line (the fixed shape of
// dead_letter_writer.h), so the dead letters are not read back by sluice's parser.
class DeadLetterLine {
 public:
  explicit DeadLetterLine(std::string_view text) : text_(text) {}

  // {"file":S,"line":N,"reason":S,"record":S} or with "record_base64".
  bool Parse(std::string* file, uint64_t* line, std::string* reason,
             std::string* record) {
    std::string number, record_key;
    if (!Literal("{\"file\":") || !String(file) || !Literal(",\"line\":")) return false;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      number.push_back(text_[pos_++]);
    }
    if (number.empty() || !Literal(",\"reason\":") || !String(reason)) return false;
    if (!Literal(",") || !String(&record_key) || !Literal(":") || !String(record)) {
      return false;
    }
    *line = std::stoull(number);
    if (record_key == "record_base64") {
      std::string decoded;
      if (!absl::Base64Unescape(*record, &decoded)) return false;
      *record = decoded;
    } else if (record_key != "record") {
      return false;
    }
    return Literal("}") && pos_ == text_.size();
  }

 private:
  bool Literal(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }

  bool String(std::string* out) {
    out->clear();
    if (!Literal("\"")) return false;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return false;
      c = text_[pos_++];
      if (c == 'u') {
        if (!Unicode(out)) return false;
        continue;
      }
      constexpr std::string_view kEscaped = "nrtbf", kMeant = "\n\r\t\b\f";
      const size_t k = kEscaped.find(c);
      out->push_back(k == std::string_view::npos ? c : kMeant[k]);  // else " \ /
    }
    return Literal("\"");
  }

  bool Hex4(uint32_t* code) {
    if (pos_ + 4 > text_.size()) return false;
    *code = static_cast<uint32_t>(
        std::stoul(std::string(text_.substr(pos_, 4)), nullptr, 16));
    pos_ += 4;
    return true;
  }

  bool Unicode(std::string* out) {
    uint32_t code = 0;
    if (!Hex4(&code)) return false;
    if (code >= 0xD800 && code < 0xDC00) {
      uint32_t low = 0;
      if (!Literal("\\u") || !Hex4(&low)) return false;
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (code >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

class BadInputCorpusTest : public ::testing::TestWithParam<RunConfig> {
 protected:
  absl::Status Run(const CorpusCase& c, BadRecordPolicy policy, std::vector<Row>* good) {
    Dataflow flow;
    CollectorSink<Row> sink;
    if (c.json) {
      flow.Source(JsonLinesSource(c.path, RowSchema()).OnBadRecord(policy)).Sink(sink);
    } else {
      flow.Source(CsvSource(c.path, RowSchema()).OnBadRecord(policy)).Sink(sink);
    }
    absl::Status status = flow.Run(GetParam().Options());
    *good = sink.Items();
    return status;
  }
};

TEST_P(BadInputCorpusTest, HasAtLeastAHundredInputs) {
  std::vector<CorpusCase> corpus = LoadCorpus();
  EXPECT_GE(corpus.size(), 100u);
  size_t bad = 0;
  for (const CorpusCase& c : corpus) bad += c.dead.size();
  EXPECT_GE(bad, 280u);
}

TEST_P(BadInputCorpusTest, SkipKeepsTheGoodRecordsAndCountsTheBad) {
  for (const CorpusCase& c : LoadCorpus()) {
    SCOPED_TRACE(c.path);
    BadRecordPolicy policy = BadRecordPolicy::Skip();
    std::vector<Row> good;
    SLUICE_EXPECT_OK(Run(c, policy, &good));
    EXPECT_THAT(good, UnorderedElementsAreArray(c.good));
    EXPECT_EQ(policy.counts().skipped(), c.dead.size());
  }
}

TEST_P(BadInputCorpusTest, DeadLetterKeepsEachBadRecordByteForByte) {
  ScratchDirectory dir;
  for (const CorpusCase& c : LoadCorpus()) {
    SCOPED_TRACE(c.path);
    const std::string dead_letters = dir.Path("dead.jsonl");
    BadRecordPolicy policy = BadRecordPolicy::DeadLetter(dead_letters);
    std::vector<Row> good;
    SLUICE_EXPECT_OK(Run(c, policy, &good));
    EXPECT_THAT(good, UnorderedElementsAreArray(c.good));
    EXPECT_EQ(policy.counts().dead_lettered(), c.dead.size());
    std::vector<std::string> lines = ScratchDirectory::ReadLines(dead_letters);
    ASSERT_EQ(lines.size(), c.dead.size());
    for (size_t i = 0; i < lines.size(); ++i) {  // one file: one reader, file order
      std::string file, reason, record;
      uint64_t line = 0;
      ASSERT_TRUE(DeadLetterLine(lines[i]).Parse(&file, &line, &reason, &record))
          << lines[i].substr(0, 300);
      EXPECT_EQ(file, c.path);
      EXPECT_EQ(line, c.dead[i].line);
      EXPECT_THAT(reason, HasSubstr(c.dead[i].reason)) << "line " << line;
      EXPECT_TRUE(record == c.dead[i].record)
          << "line " << line << ": " << absl::CHexEscape(record.substr(0, 200))
          << " != " << absl::CHexEscape(c.dead[i].record.substr(0, 200));
    }
  }
}

TEST_P(BadInputCorpusTest, FailStopsAtTheFirstBadRecord) {
  for (const CorpusCase& c : LoadCorpus()) {
    SCOPED_TRACE(c.path);
    std::vector<Row> good;
    absl::Status status = Run(c, BadRecordPolicy::Fail(), &good);
    if (c.dead.empty()) {
      SLUICE_EXPECT_OK(status);
      EXPECT_THAT(good, UnorderedElementsAreArray(c.good));
      continue;
    }
    const DeadLetter& first = c.dead.front();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                                 "bad record at " + c.path + ":" +
                                     std::to_string(first.line) + ": "));
    EXPECT_THAT(std::string(status.message()), HasSubstr(first.reason));
  }
}

// The 4 MiB bound on a quoted field that never closes, too large for a corpus file:
// the opening line is bad and every line it tried to swallow is read on its own.
TEST_P(BadInputCorpusTest, UnclosedQuoteStopsAtFourMebibytes) {
  ScratchDirectory dir;
  std::string content = "1,1,\"open\n";
  const std::string filler(64 << 10, 'y');
  for (int i = 0; i < 70; ++i) content += filler + "\n";
  content += "2,1.5,n,1\n";
  CorpusCase c{dir.Write("long.csv", content), false, {{2, 1.5, "n", 1}}, {}};
  c.dead.push_back({1, "1,1,\"open", "quoted field longer than 4 MiB"});
  for (uint64_t line = 2; line <= 71; ++line) {
    c.dead.push_back({line, filler, "expected 4 fields, found 1"});
  }
  BadRecordPolicy policy = BadRecordPolicy::DeadLetter(dir.Path("dead.jsonl"));
  std::vector<Row> good;
  SLUICE_ASSERT_OK(Run(c, policy, &good));
  EXPECT_THAT(good, UnorderedElementsAreArray(c.good));
  std::vector<std::string> lines = ScratchDirectory::ReadLines(dir.Path("dead.jsonl"));
  ASSERT_EQ(lines.size(), c.dead.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string file, reason, record;
    uint64_t line = 0;
    ASSERT_TRUE(DeadLetterLine(lines[i]).Parse(&file, &line, &reason, &record));
    EXPECT_EQ(line, c.dead[i].line);
    EXPECT_THAT(reason, HasSubstr(c.dead[i].reason));
    EXPECT_TRUE(record == c.dead[i].record) << "line " << line;
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, BadInputCorpusTest, AllRunConfigs(), RunConfigName);

}  // namespace
}  // namespace sluice
