// CsvSource end to end: typed decoding of quoted, multi-line and CRLF records from
// several files, by 1 or 2 readers with re-cut batches, against values the test
// generated itself.
#include "sluice/io/file/csv_source.h"

#include <cstdint>
#include <ostream>
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
using ::sluice::testing::RunConfigName;
using ::sluice::testing::RunConfigTest;
using ::sluice::testing::ScratchDirectory;
using ::sluice::testing::StatusIs;
using ::testing::ElementsAreArray;
using ::testing::UnorderedElementsAreArray;

struct Txn {
  uint64_t card = 0;
  double amount = 0;
  std::string merchant;
  bool flagged = false;
  int8_t level = 0;
  bool operator==(const Txn&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Txn& t) {
  return out << "{" << t.card << ", " << t.amount << ", \"" << t.merchant << "\", "
             << t.flagged << ", " << static_cast<int>(t.level) << "}";
}

RecordSchema<Txn> TxnSchema() {
  return RecordSchema<Txn>()
      .Field("card", &Txn::card)
      .Field("amount", &Txn::amount)
      .Field("merchant", &Txn::merchant)
      .Field("flagged", &Txn::flagged)
      .OptionalField("level", &Txn::level);
}

// Record k as the test expects it, and as CSV text written by hand (not by CsvSink).
Txn ExpectedTxn(int k) {
  Txn t;
  t.card = (k * 7919ULL) % 1000;
  t.amount = k + 0.25;
  const std::string merchants[] = {"shop, inc", "say \"hi\"", "two\nlines", "plain", ""};
  t.merchant = merchants[k % 5];
  if (k % 5 == 3) t.merchant += " " + std::to_string(k);
  t.flagged = k % 2 == 0;
  t.level = k % 3 == 0 ? 0 : static_cast<int8_t>(k % 200 - 100);
  return t;
}

std::string CsvLine(int k, const std::string& newline) {
  Txn t = ExpectedTxn(k);
  const std::string merchants[] = {"\"shop, inc\"", "\"say \"\"hi\"\"\"",
                                   "\"two" + newline + "lines\"", "plain", ""};
  std::string merchant = merchants[k % 5];
  if (k % 5 == 3) merchant += " " + std::to_string(k);
  std::string level = k % 3 == 0 ? "" : std::to_string(static_cast<int>(t.level));
  return std::to_string(t.card) + "," + std::to_string(k) + ".25," + merchant + "," +
         (t.flagged ? "true" : "false") + "," + level + newline;
}

class CsvSourceTest : public RunConfigTest {};

TEST_P(CsvSourceTest, DecodesRecordsFromManyFiles) {
  ScratchDirectory dir;
  std::vector<Txn> expected;
  const int kRecords[] = {5, 0, 33, 1, 120, 9};
  int k = 0;
  for (int f = 0; f < 6; ++f) {
    std::string newline = f % 2 == 1 ? "\r\n" : "\n";
    std::string content = "card,amount,merchant,flagged,level" + newline;
    for (int r = 0; r < kRecords[f]; ++r, ++k) {
      content += CsvLine(k, newline);
      expected.push_back(ExpectedTxn(k));
      if (r % 10 == 4) content += newline;  // blank lines are skipped
    }
    dir.Write("txns/day" + std::to_string(f) + ".csv", content);
  }
  EXPECT_THAT(ReadAll(CsvSource(dir.Path("txns"), TxnSchema()).Header()),
              UnorderedElementsAreArray(expected));
}

TEST_P(CsvSourceTest, OneFileWithoutHeaderKeepsOrderAndEndsWithoutNewline) {
  ScratchDirectory dir;
  std::vector<Txn> expected;
  std::string content;
  for (int k = 0; k < 50; ++k) {
    content += CsvLine(k, "\n");
    expected.push_back(ExpectedTxn(k));
  }
  content.pop_back();  // no newline after the last record
  EXPECT_THAT(ReadAll(CsvSource(dir.Write("t.csv", content), TxnSchema())),
              ElementsAreArray(expected));
}

TEST_P(CsvSourceTest, OtherDelimiter) {
  ScratchDirectory dir;
  std::string path = dir.Write("t.ssv", "1;2.5;\"a;b\";false;-3\n2;-0.5;c,d;true;\n");
  std::vector<Txn> expected = {{1, 2.5, "a;b", false, -3}, {2, -0.5, "c,d", true, 0}};
  EXPECT_THAT(ReadAll(CsvSource(path, TxnSchema()).Delimiter(';')),
              UnorderedElementsAreArray(expected));
}

TEST_P(CsvSourceTest, EmptyFilesProduceNothing) {
  ScratchDirectory dir;
  dir.Write("in/a.csv", "");
  dir.Write("in/b.csv", "card,amount,merchant,flagged,level\n");
  dir.Write("in/c.csv", "\n\n");
  EXPECT_TRUE(ReadAll(CsvSource(dir.Path("in"), TxnSchema()).Header()).empty());
}

TEST_P(CsvSourceTest, HeaderWithSpacesAroundTheNamesIsAccepted) {
  ScratchDirectory dir;
  std::string path = dir.Write(
      "t.csv", "\n card , amount,merchant ,flagged,\tlevel\n" + CsvLine(0, "\n"));
  EXPECT_THAT(ReadAll(CsvSource(path, TxnSchema()).Header()),
              ElementsAreArray({ExpectedTxn(0)}));
}

// Fields are read by position, so a header naming other columns, or the same ones in
// another order, would put every value in the wrong field: the job fails, whatever
// the bad-record policy, naming the file and both lists.
TEST_P(CsvSourceTest, HeaderThatDiffersFromTheSchemaFailsTheJob) {
  struct Case {
    std::string header;
    std::string message;
  };
  const Case cases[] = {
      {"amount,card,merchant,flagged,level",
       "line 1: the header does not match the schema: column 1 is 'amount' where the "
       "schema has 'card' (header: amount,card,merchant,flagged,level; schema: "
       "card,amount,merchant,flagged,level)"},
      {"card,amount,merchant,flagged", "4 columns where the schema has 5 fields"},
      {"card,amount,merchant,flagged,level,extra", "6 columns where the schema has 5"},
      {"card,amount,shop,flagged,level",
       "column 3 is 'shop' where the schema has 'merchant'"},
  };
  for (const Case& c : cases) {
    for (bool skip_bad_records : {false, true}) {
      ScratchDirectory dir;
      dir.Write("in/a_good.csv",
                "card,amount,merchant,flagged,level\n" + CsvLine(1, "\n"));
      std::string bad = dir.Write("in/b_bad.csv", c.header + "\n" + CsvLine(2, "\n"));
      auto source = CsvSource(dir.Path("in"), TxnSchema()).Header();
      if (skip_bad_records) source = source.OnBadRecord(BadRecordPolicy::Skip());
      Dataflow flow;
      flow.Source(source).Sink([](const Txn&) {});
      absl::Status status = flow.Run(Options());
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, c.message))
          << c.header;
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, bad + " line 1"));
      EXPECT_EQ(source.bad_records().skipped(), 0u);
    }
  }
}

TEST_P(CsvSourceTest, HeaderOptionsAreValuesThatLeaveTheOriginalAsItWas) {
  ScratchDirectory dir;
  std::string path = dir.Write("t.csv", "card,amount,merchant,flagged,level\n");
  auto plain = CsvSource(path, TxnSchema());
  auto with_header = plain.Header();
  EXPECT_TRUE(ReadAll(with_header).empty());
  // `plain` still reads the first line as a record, which is then a bad one.
  Dataflow flow;
  flow.Source(plain).Sink([](const Txn&) {});
  EXPECT_THAT(flow.Run(Options()), StatusIs(absl::StatusCode::kInvalidArgument, "card"));
}

TEST_P(CsvSourceTest, MissingInputFailsTheBuildNamingThePath) {
  ScratchDirectory dir;
  Dataflow flow;
  std::string missing = dir.Path("missing/*.csv");
  flow.Source(CsvSource(missing, TxnSchema())).Sink([](const Txn&) {});
  EXPECT_THAT(flow.Build(GetParam().Options()),
              StatusIs(absl::StatusCode::kNotFound, missing));
}

TEST_P(CsvSourceTest, BadSchemaFailsTheBuild) {
  ScratchDirectory dir;
  Dataflow flow;
  auto schema = RecordSchema<Txn>().Field("card", &Txn::card).Field("card", &Txn::card);
  flow.Source(CsvSource(dir.Write("t.csv", "1,2\n"), schema)).Sink([](const Txn&) {});
  EXPECT_THAT(flow.Build(GetParam().Options()),
              StatusIs(absl::StatusCode::kInvalidArgument, "names field 'card' twice"));
}

INSTANTIATE_TEST_SUITE_P(Configs, CsvSourceTest, AllRunConfigs(), RunConfigName);

}  // namespace
}  // namespace sluice
