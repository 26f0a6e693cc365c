// The strict value parsing every CSV and JSON field goes through.
#include "sluice/io/records/field_codec.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::IsOk;
using ::sluice::testing::StatusIs;

template <class V>
absl::Status Parse(std::string_view text, V& out) {
  return FieldCodec<V>::Parse(text, out);
}

TEST(FieldCodecTest, Integers) {
  int64_t value = 0;
  SLUICE_EXPECT_OK(Parse("-42", value));
  EXPECT_EQ(value, -42);
  SLUICE_EXPECT_OK(Parse("9223372036854775807", value));
  EXPECT_EQ(value, std::numeric_limits<int64_t>::max());
  EXPECT_THAT(Parse("9223372036854775808", value),
              StatusIs(absl::StatusCode::kInvalidArgument, "integer out of range"));
  EXPECT_THAT(Parse("12abc", value),
              StatusIs(absl::StatusCode::kInvalidArgument, "not an integer: '12abc'"));
  EXPECT_THAT(Parse("", value),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty value"));
  EXPECT_THAT(Parse(" 1", value),
              StatusIs(absl::StatusCode::kInvalidArgument, "not an integer"));
  EXPECT_THAT(Parse("+1", value),
              StatusIs(absl::StatusCode::kInvalidArgument, "not an integer"));
  EXPECT_THAT(Parse("1.5", value),
              StatusIs(absl::StatusCode::kInvalidArgument, "not an integer"));

  int8_t small = 0;
  SLUICE_EXPECT_OK(Parse("-128", small));
  EXPECT_EQ(small, -128);
  EXPECT_THAT(Parse("300", small),
              StatusIs(absl::StatusCode::kInvalidArgument, "out of range"));

  uint64_t unsigned_value = 0;
  SLUICE_EXPECT_OK(Parse("18446744073709551615", unsigned_value));
  EXPECT_EQ(unsigned_value, std::numeric_limits<uint64_t>::max());
  EXPECT_THAT(Parse("18446744073709551616", unsigned_value),
              StatusIs(absl::StatusCode::kInvalidArgument, "out of range"));
  EXPECT_THAT(Parse("-1", unsigned_value),
              StatusIs(absl::StatusCode::kInvalidArgument, "not an integer"));
  EXPECT_EQ(unsigned_value, std::numeric_limits<uint64_t>::max());  // untouched on error
}

TEST(FieldCodecTest, Doubles) {
  double value = 0;
  SLUICE_EXPECT_OK(Parse("2.5", value));
  EXPECT_EQ(value, 2.5);
  SLUICE_EXPECT_OK(Parse("-1e3", value));
  EXPECT_EQ(value, -1000);
  EXPECT_THAT(Parse("1e999", value),
              StatusIs(absl::StatusCode::kInvalidArgument, "out of range"));
  EXPECT_THAT(Parse("2.5x", value),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a number"));
  EXPECT_THAT(Parse("", value),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty value"));

  std::string text;
  EXPECT_EQ(FieldCodec<double>::Format(0.1, &text), "0.1");
  EXPECT_EQ(FieldCodec<double>::Format(1e21, &text), "1e+21");
  std::string json;
  FieldCodec<double>::AppendJson(std::numeric_limits<double>::infinity(), &json);
  EXPECT_EQ(json, "null");
}

TEST(FieldCodecTest, BoolsAndStrings) {
  bool flag = false;
  SLUICE_EXPECT_OK(Parse("true", flag));
  EXPECT_TRUE(flag);
  SLUICE_EXPECT_OK(Parse("false", flag));
  EXPECT_FALSE(flag);
  EXPECT_THAT(Parse("yes", flag),
              StatusIs(absl::StatusCode::kInvalidArgument, "not true or false"));
  std::string text;
  SLUICE_EXPECT_OK(Parse("", text));
  EXPECT_EQ(text, "");
}

TEST(FieldCodecTest, LongBadValuesAreClipped) {
  int32_t value = 0;
  absl::Status status = Parse(std::string(1000, '7') + "x", value);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, "(1001 bytes)"));
  EXPECT_LT(status.message().size(), 120u);
}

}  // namespace
}  // namespace sluice
