// JsonObjectReader on well-formed and damaged objects, and AppendJsonString, checked
// by escaping random strings and reading them back.
#include "sluice/io/records/json_object_reader.h"

#include <random>
#include <string>
#include <string_view>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/io/records/json_string.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::StatusIs;
using Type = JsonFieldValue::Type;

TEST(JsonObjectReaderTest, PicksNamedFieldsAndIgnoresOthers) {
  JsonObjectReader reader({"id", "name", "ok", "gone", "score"});
  SLUICE_ASSERT_OK(reader.Read(
      R"({"extra":{"deep":[1,2,{"x":null}]},"id": 42 ,"name":"a\"b\nc\u00e9","ok":true,)"
      R"("score":-1.5e3,"more":[]})"));
  const auto& values = reader.values();
  EXPECT_EQ(values[0].type, Type::kNumber);
  EXPECT_EQ(values[0].text, "42");
  EXPECT_EQ(values[1].type, Type::kString);
  EXPECT_EQ(values[1].text, "a\"b\nc\xC3\xA9");
  EXPECT_EQ(values[2].type, Type::kBool);
  EXPECT_TRUE(values[2].boolean);
  EXPECT_EQ(values[3].type, Type::kMissing);
  EXPECT_EQ(values[4].text, "-1.5e3");
}

TEST(JsonObjectReaderTest, ReportsTypesOfOtherValues) {
  JsonObjectReader reader({"a", "b", "c"});
  SLUICE_ASSERT_OK(reader.Read(R"({"a":null,"b":[1],"c":{"d":1}})"));
  EXPECT_EQ(reader.values()[0].type, Type::kNull);
  EXPECT_EQ(reader.values()[1].type, Type::kArray);
  EXPECT_EQ(reader.values()[2].type, Type::kObject);
  // A second read starts afresh.
  SLUICE_ASSERT_OK(reader.Read(R"({"c":1})"));
  EXPECT_EQ(reader.values()[0].type, Type::kMissing);
  EXPECT_EQ(reader.values()[2].type, Type::kNumber);
}

TEST(JsonObjectReaderTest, RejectsDamagedLines) {
  JsonObjectReader reader({"a"});
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(reader.Read(R"({"a":1)"),
              StatusIs(kInvalid, "invalid JSON: the object is not closed"));
  EXPECT_THAT(reader.Read(R"({"a":1,"b":"unterminated)"),
              StatusIs(kInvalid, "invalid JSON"));
  EXPECT_THAT(reader.Read(R"({"a":)"), StatusIs(kInvalid, "invalid JSON"));
  EXPECT_THAT(reader.Read(R"({"a":1} x)"),
              StatusIs(kInvalid, "unexpected text after the JSON object at column 9"));
  EXPECT_THAT(reader.Read(R"({"a":1}})"), StatusIs(kInvalid, "after the JSON object"));
  EXPECT_THAT(reader.Read(R"({"a":1}{"a":2})"),
              StatusIs(kInvalid, "after the JSON object"));
  EXPECT_THAT(reader.Read(R"([1,2])"), StatusIs(kInvalid, "not a JSON object"));
  EXPECT_THAT(reader.Read(R"(5)"), StatusIs(kInvalid, "not a JSON object"));
  EXPECT_THAT(reader.Read(""), StatusIs(kInvalid, ""));
  EXPECT_THAT(reader.Read(R"({"a":1,"a":2})"),
              StatusIs(kInvalid, "field 'a' appears twice"));
  EXPECT_THAT(reader.Read(R"({"a":tru})"), StatusIs(kInvalid, "invalid JSON"));
  EXPECT_THAT(reader.Read(R"({"a":1,})"), StatusIs(kInvalid, "invalid JSON"));
}

// Issue 17, defect 9: values the schema does not read were skipped unchecked, numbers
// were taken as strtod would take them, and text after the object was reported as
// the object ending early. The whole line is JSON or the record is bad.
TEST(JsonObjectReaderTest, ChecksTheWholeLineStrictly) {
  JsonObjectReader reader({"a"});
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  // Malformed values under keys the schema ignores, at any depth.
  for (const char* line :
       {R"({"a":1,"z":tru})", R"({"a":1,"z":nul})", R"({"a":1,"z":[1,{"y":fals}]})",
        R"({"a":1,"z":"\q"})", R"({"z":{"y":[01]},"a":1})", R"({"a":1,"z":-})",
        R"({"a":1,"z":{"y":1.}})"}) {
    EXPECT_THAT(reader.Read(line), StatusIs(kInvalid, "field 'z': ")) << line;
  }
  // Numbers JSON does not allow, in a named field.
  EXPECT_THAT(
      reader.Read(R"({"a":070})"),
      StatusIs(kInvalid, "field 'a': invalid JSON number '070' (a leading zero)"));
  EXPECT_THAT(reader.Read(R"({"a":-01})"), StatusIs(kInvalid, "a leading zero"));
  EXPECT_THAT(reader.Read(R"({"a":1.})"),
              StatusIs(kInvalid, "no digits after the decimal point"));
  EXPECT_THAT(reader.Read(R"({"a":.5})"), StatusIs(kInvalid, "invalid JSON"));
  EXPECT_THAT(reader.Read(R"({"a":1e})"),
              StatusIs(kInvalid, "no digits in the exponent"));
  EXPECT_THAT(reader.Read(R"({"a":1e+})"),
              StatusIs(kInvalid, "no digits in the exponent"));
  EXPECT_THAT(reader.Read(R"({"a":+1})"), StatusIs(kInvalid, "invalid JSON"));
  EXPECT_THAT(reader.Read(R"({"a":0x10})"), StatusIs(kInvalid, "invalid JSON"));
  EXPECT_THAT(reader.Read(R"({"a":[1,2})"), StatusIs(kInvalid, "invalid JSON"));
  // What follows the object: the true reason, with the column.
  EXPECT_THAT(reader.Read(std::string("{\"a\":1}\0", 8)),
              StatusIs(kInvalid, "after the JSON object: a NUL byte at column 8"));
  EXPECT_THAT(reader.Read(std::string("{\"a\":1} \0x", 10)),
              StatusIs(kInvalid, "a NUL byte at column 9"));
  EXPECT_THAT(reader.Read(R"({"a":"}"} x)"),
              StatusIs(kInvalid, "unexpected text after the JSON object at column 11"));
  // Valid JSON in every form still reads, the ignored parts checked through.
  for (const char* line :
       {R"({"a":0})", R"({"a":-0.5e-7})", R"({"a":1E+2,"z":[true,false,null,"\u00e9"]})",
        R"({"z":{"y":{"x":[[],{}]}},"a":10})", R"( {"a":1} )"}) {
    SLUICE_EXPECT_OK(reader.Read(line)) << line;
  }
}

TEST(JsonObjectReaderTest, RefusesNestingBeyondTheLimit) {
  JsonObjectReader reader({"a"});
  std::string deep =
      R"({"a":1,"z":)" + std::string(300, '[') + std::string(300, ']') + "}";
  EXPECT_THAT(reader.Read(deep), StatusIs(absl::StatusCode::kInvalidArgument,
                                          "JSON nested deeper than 256 levels"));
  std::string fine =
      R"({"a":1,"z":)" + std::string(200, '[') + std::string(200, ']') + "}";
  SLUICE_EXPECT_OK(reader.Read(fine));
}

std::string Quoted(std::string_view text) {
  std::string out;
  AppendJsonString(text, &out);
  return out;
}

TEST(JsonStringTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Quoted("plain"), "\"plain\"");
  EXPECT_EQ(Quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quoted("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(Quoted(std::string_view("\x01\x1f\0", 3)), "\"\\u0001\\u001f\\u0000\"");
  EXPECT_EQ(Quoted("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  // Malformed UTF-8: a lone continuation byte, a truncated sequence, an overlong form
  // and a surrogate each become U+FFFD per byte.
  EXPECT_EQ(Quoted("a\x80z"), "\"a\\ufffdz\"");
  EXPECT_EQ(Quoted("\xC3"), "\"\\ufffd\"");
  EXPECT_EQ(Quoted("\xC0\xAF"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(Quoted("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
}

TEST(JsonStringTest, RandomStringsRoundTripThroughTheReader) {
  std::mt19937 random(7);
  JsonObjectReader reader({"s"});
  for (int round = 0; round < 2000; ++round) {
    std::string value;
    size_t length = random() % 12;
    for (size_t i = 0; i < length; ++i) {
      switch (random() % 4) {
        case 0:
          value.push_back(static_cast<char>(random() % 0x20));  // control
          break;
        case 1:
          value.push_back("\"\\/"[random() % 3]);
          break;
        case 2:
          value.append("\xE2\x82\xAC");  // euro sign
          break;
        default:
          value.push_back(static_cast<char>('a' + random() % 26));
      }
    }
    std::string line = "{\"s\":" + Quoted(value) + "}";
    ASSERT_EQ(line.find('\n'), std::string::npos);
    SLUICE_ASSERT_OK(reader.Read(line));
    EXPECT_EQ(reader.values()[0].text, value) << line;
  }
}

}  // namespace
}  // namespace sluice
