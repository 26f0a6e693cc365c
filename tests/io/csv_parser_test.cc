// CsvParser and AppendCsvField: the CSV dialect, checked on hand-written records and
// on a round trip of awkward random strings.
#include "sluice/io/records/csv_parser.h"

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/io/records/csv_escaping.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::StatusIs;
using ::testing::ElementsAre;

std::vector<std::string> SplitOk(CsvParser& parser, std::string_view record) {
  std::vector<std::string_view> fields;
  absl::Status status = parser.Split(record, &fields);
  EXPECT_TRUE(status.ok()) << record << ": " << status;
  return std::vector<std::string>(fields.begin(), fields.end());
}

TEST(CsvParserTest, SplitsPlainAndQuotedFields) {
  CsvParser parser;
  EXPECT_THAT(SplitOk(parser, "a,b,c"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(SplitOk(parser, ""), ElementsAre(""));
  EXPECT_THAT(SplitOk(parser, ","), ElementsAre("", ""));
  EXPECT_THAT(SplitOk(parser, "a,"), ElementsAre("a", ""));
  EXPECT_THAT(SplitOk(parser, "\"x,y\",2"), ElementsAre("x,y", "2"));
  EXPECT_THAT(SplitOk(parser, "\"say \"\"hi\"\"\",\"\""), ElementsAre("say \"hi\"", ""));
  EXPECT_THAT(SplitOk(parser, "\"\"\"\""), ElementsAre("\""));
  EXPECT_THAT(SplitOk(parser, "\"two\nlines\",z"), ElementsAre("two\nlines", "z"));
  EXPECT_THAT(SplitOk(parser, " a , b "), ElementsAre(" a ", " b "));
}

TEST(CsvParserTest, OtherDelimiter) {
  CsvParser parser(';');
  EXPECT_THAT(SplitOk(parser, "a,b;\"c;d\";"), ElementsAre("a,b", "c;d", ""));
}

TEST(CsvParserTest, RejectsDamagedRecords) {
  CsvParser parser;
  std::vector<std::string_view> fields;
  EXPECT_THAT(parser.Split("1,\"abc", &fields),
              StatusIs(absl::StatusCode::kInvalidArgument, "unterminated quoted field"));
  EXPECT_THAT(parser.Split("1,\"ab\"c", &fields),
              StatusIs(absl::StatusCode::kInvalidArgument, "after the closing quote"));
  EXPECT_THAT(parser.Split("1,ab\"c", &fields),
              StatusIs(absl::StatusCode::kInvalidArgument, "quote inside an unquoted"));
}

TEST(CsvParserTest, EndsInsideQuotes) {
  CsvParser parser;
  EXPECT_FALSE(parser.EndsInsideQuotes("a,b"));
  EXPECT_FALSE(parser.EndsInsideQuotes("\"a\",\"b\"\"c\""));
  EXPECT_TRUE(parser.EndsInsideQuotes("a,\"b"));
  EXPECT_TRUE(parser.EndsInsideQuotes("a,\"b\"\""));
  EXPECT_FALSE(parser.EndsInsideQuotes("a,b\"c"));  // not a quoted field
  // Continuing a record that is inside quotes.
  EXPECT_FALSE(parser.EndsInsideQuotes("rest\",x", /*starts_inside_quotes=*/true));
  EXPECT_TRUE(
      parser.EndsInsideQuotes("still \"\" inside", /*starts_inside_quotes=*/true));
  EXPECT_TRUE(parser.EndsInsideQuotes("", /*starts_inside_quotes=*/true));
}

TEST(CsvEscapingTest, QuotesOnlyWhenNeeded) {
  auto field = [](std::string_view value) {
    std::string out;
    AppendCsvField(value, ',', &out);
    return out;
  };
  EXPECT_EQ(field("plain"), "plain");
  EXPECT_EQ(field(""), "");
  EXPECT_EQ(field("a,b"), "\"a,b\"");
  EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(field("cr\r"), "\"cr\r\"");
  EXPECT_EQ(field(" padded "), "\" padded \"");
}

TEST(CsvEscapingTest, RandomFieldsRoundTrip) {
  std::mt19937 random(42);
  const std::string alphabet = "ab ,\"\n\r;x";
  CsvParser parser;
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::string> values(1 + random() % 4);
    for (std::string& value : values) {
      size_t length = random() % 6;
      for (size_t i = 0; i < length; ++i)
        value.push_back(alphabet[random() % alphabet.size()]);
    }
    std::string record;
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) record.push_back(',');
      AppendCsvField(values[i], ',', &record);
    }
    EXPECT_EQ(SplitOk(parser, record), values) << "record: " << record;
  }
}

}  // namespace
}  // namespace sluice
