// Strict text conversions for the value types a RecordSchema field may hold. This is
// the one place that decides that "12abc", "" or an overflowing number is an error.
#pragma once

#include <charconv>
#include <cmath>
#include <concepts>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/records/json_string.h"

namespace sluice {

// How a field's value is spelled in JSON; CSV spells every kind as text.
enum class ValueKind { kNumber, kBool, kString };

// "a number", "true or false", "a string": for messages about mismatched values.
const char* ValueKindName(ValueKind kind);

// The text of a bad value for an error message, quoted and clipped so a huge field
// cannot flood the log.
std::string QuoteValueForMessage(std::string_view text);

// Plain `char` and the wide character types are excluded: such a member is as likely
// a one-letter string as a small number, and guessing either way would surprise
// someone. signed and unsigned char are int8_t and uint8_t, so they are numbers.
template <class V>
concept SchemaInteger =
    std::integral<V> && !std::same_as<V, bool> && !std::same_as<V, char> &&
    !std::same_as<V, wchar_t> && !std::same_as<V, char8_t> &&
    !std::same_as<V, char16_t> && !std::same_as<V, char32_t>;

template <class V>
concept SchemaValue = SchemaInteger<V> || std::floating_point<V> ||
    std::same_as<V, bool> || std::same_as<V, std::string>;

template <class V>
struct FieldCodec;

template <SchemaInteger V>
struct FieldCodec<V> {
  static constexpr ValueKind kKind = ValueKind::kNumber;

  static absl::Status Parse(std::string_view text, V& out) {
    if (text.empty())
      return absl::InvalidArgumentError("empty value, expected an integer");
    V value{};
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc::result_out_of_range) {
      return absl::InvalidArgumentError(
          absl::StrCat("integer out of range: ", QuoteValueForMessage(text)));
    }
    if (error != std::errc() || end != text.data() + text.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("not an integer: ", QuoteValueForMessage(text)));
    }
    out = value;
    return absl::OkStatus();
  }
  static std::string_view Format(V value, std::string* scratch) {
    char digits[24];
    auto [end, error] = std::to_chars(digits, digits + sizeof(digits), value);
    (void)error;  // 24 characters hold every 64-bit integer.
    scratch->assign(digits, end);
    return *scratch;
  }
  static void AppendJson(V value, std::string* out) {
    char digits[24];
    auto [end, error] = std::to_chars(digits, digits + sizeof(digits), value);
    (void)error;
    out->append(digits, end);
  }
};

template <std::floating_point V>
struct FieldCodec<V> {
  static constexpr ValueKind kKind = ValueKind::kNumber;

  static absl::Status Parse(std::string_view text, V& out) {
    if (text.empty()) return absl::InvalidArgumentError("empty value, expected a number");
    V value{};
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc::result_out_of_range) {
      return absl::InvalidArgumentError(
          absl::StrCat("number out of range: ", QuoteValueForMessage(text)));
    }
    if (error != std::errc() || end != text.data() + text.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a number: ", QuoteValueForMessage(text)));
    }
    out = value;
    return absl::OkStatus();
  }
  // The shortest text that reads back as the same value.
  static std::string_view Format(V value, std::string* scratch) {
    char digits[64];
    auto [end, error] = std::to_chars(digits, digits + sizeof(digits), value);
    (void)error;  // 64 characters hold the shortest form of every double.
    scratch->assign(digits, end);
    return *scratch;
  }
  // JSON has no spelling for infinities and NaN; null is the usual stand-in.
  static void AppendJson(V value, std::string* out) {
    if (!std::isfinite(value)) {
      out->append("null");
      return;
    }
    char digits[64];
    auto [end, error] = std::to_chars(digits, digits + sizeof(digits), value);
    (void)error;
    out->append(digits, end);
  }
};

template <>
struct FieldCodec<bool> {
  static constexpr ValueKind kKind = ValueKind::kBool;

  static absl::Status Parse(std::string_view text, bool& out) {
    if (text == "true") {
      out = true;
    } else if (text == "false") {
      out = false;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("not true or false: ", QuoteValueForMessage(text)));
    }
    return absl::OkStatus();
  }
  static std::string_view Format(bool value, std::string*) {
    return value ? "true" : "false";
  }
  static void AppendJson(bool value, std::string* out) {
    out->append(value ? "true" : "false");
  }
};

template <>
struct FieldCodec<std::string> {
  static constexpr ValueKind kKind = ValueKind::kString;

  static absl::Status Parse(std::string_view text, std::string& out) {
    out.assign(text);
    return absl::OkStatus();
  }
  static std::string_view Format(const std::string& value, std::string*) { return value; }
  static void AppendJson(const std::string& value, std::string* out) {
    AppendJsonString(value, out);
  }
};

}  // namespace sluice
