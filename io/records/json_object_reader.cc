// JSON object field extraction with simdjson On-Demand.
#include "sluice/io/records/json_object_reader.h"

#include <simdjson.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace sluice {
namespace {

using simdjson::ondemand::json_type;

absl::Status JsonError(simdjson::error_code error) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid JSON: ", simdjson::error_message(error)));
}

// raw_json_token() runs up to the next structural character, so it may carry the
// whitespace that follows the number.
std::string_view TrimTrailingSpace(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' ||
                           text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// JSON's number grammar (RFC 8259): -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
// simdjson hands over a number's text without checking it; strtod and absl would
// take "070" or "1." where JSON does not. Returns what is wrong, or null.
const char* NumberDefect(std::string_view text) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i - start;
  };
  if (i < text.size() && text[i] == '-') ++i;
  const size_t integer_start = i;
  const size_t integer_digits = digits();
  if (integer_digits == 0) return "no digits";
  if (integer_digits > 1 && text[integer_start] == '0') return "a leading zero";
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (digits() == 0) return "no digits after the decimal point";
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return "no digits in the exponent";
  }
  return i == text.size() ? nullptr : "characters that are not part of a number";
}

// The column (1-based) just past the first top-level value of `line`, found by
// matching brackets outside strings; 0 if it never closes.
size_t EndOfFirstValue(std::string_view line) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return 0;
}

// simdjson says "ended early in the middle of an object" both for a line cut short
// and for an object followed by more text; tell the two apart.
absl::Status EarlyEndError(std::string_view line) {
  const size_t end = EndOfFirstValue(line);
  if (end == 0) {
    return absl::InvalidArgumentError(
        "invalid JSON: the object is not closed (a line cut short?)");
  }
  size_t extra = end;
  while (extra < line.size() && (line[extra] == ' ' || line[extra] == '\t' ||
                                 line[extra] == '\r' || line[extra] == '\n')) {
    ++extra;
  }
  if (extra < line.size() && line[extra] == '\0') {
    return absl::InvalidArgumentError(absl::StrCat(
        "unexpected text after the JSON object: a NUL byte at column ", extra + 1));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unexpected text after the JSON object at column ", extra + 1));
}

absl::Status InValueOf(std::string_view key, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat("field '", std::string(key), "': ", status.message()));
}

absl::Status NumberError(std::string_view text, const char* defect) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid JSON number '", std::string(text), "' (", defect, ")"));
}

absl::Status CheckArray(simdjson::ondemand::value value, int depth);
absl::Status CheckObject(simdjson::ondemand::value value, int depth);

// Nesting deeper than this is refused rather than followed (the walk recurses).
constexpr int kMaxDepth = 256;

// Reads a value the schema does not name all the way through, so that it is checked
// as strictly as a named one: On-Demand would skip it unchecked ("tru", "070").
absl::Status CheckValue(simdjson::ondemand::value value, int depth) {
  if (depth > kMaxDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON nested deeper than ", kMaxDepth, " levels"));
  }
  json_type type;
  if (auto error = value.type().get(type)) return JsonError(error);
  switch (type) {
    case json_type::number: {
      std::string_view text = TrimTrailingSpace(value.raw_json_token());
      if (const char* defect = NumberDefect(text)) return NumberError(text, defect);
      return absl::OkStatus();
    }
    case json_type::string: {
      std::string_view text;
      if (auto error = value.get_string().get(text)) return JsonError(error);
      return absl::OkStatus();
    }
    case json_type::boolean: {
      bool boolean = false;
      if (auto error = value.get_bool().get(boolean)) return JsonError(error);
      return absl::OkStatus();
    }
    case json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return JsonError(error);
      return is_null ? absl::OkStatus() : JsonError(simdjson::N_ATOM_ERROR);
    }
    case json_type::array:
      return CheckArray(value, depth);
    case json_type::object:
      return CheckObject(value, depth);
  }
  return absl::OkStatus();
}

absl::Status CheckArray(simdjson::ondemand::value value, int depth) {
  simdjson::ondemand::array array;
  if (auto error = value.get_array().get(array)) return JsonError(error);
  for (auto element : array) {
    simdjson::ondemand::value item;
    if (auto error = std::move(element).get(item)) return JsonError(error);
    absl::Status status = CheckValue(item, depth + 1);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status CheckObject(simdjson::ondemand::value value, int depth) {
  simdjson::ondemand::object object;
  if (auto error = value.get_object().get(object)) return JsonError(error);
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    if (auto error = std::move(field_result).get(field)) return JsonError(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return JsonError(error);
    absl::Status status = CheckValue(field.value(), depth + 1);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace

const char* JsonTypeName(JsonFieldValue::Type type) {
  switch (type) {
    case JsonFieldValue::Type::kMissing:
      return "nothing";
    case JsonFieldValue::Type::kNull:
      return "null";
    case JsonFieldValue::Type::kNumber:
      return "a number";
    case JsonFieldValue::Type::kString:
      return "a string";
    case JsonFieldValue::Type::kBool:
      return "a boolean";
    case JsonFieldValue::Type::kArray:
      return "an array";
    case JsonFieldValue::Type::kObject:
      return "an object";
  }
  return "a value";
}

struct JsonObjectReader::Parser {
  simdjson::ondemand::parser parser;
  // The line plus SIMDJSON_PADDING spare bytes, which simdjson may read past the end.
  std::string padded;
};

JsonObjectReader::JsonObjectReader(std::vector<std::string> field_names)
    : parser_(std::make_unique<Parser>()), values_(field_names.size()) {
  for (size_t i = 0; i < field_names.size(); ++i) index_of_[field_names[i]] = i;
}

JsonObjectReader::~JsonObjectReader() = default;
JsonObjectReader::JsonObjectReader(JsonObjectReader&&) noexcept = default;
JsonObjectReader& JsonObjectReader::operator=(JsonObjectReader&&) noexcept = default;

absl::Status JsonObjectReader::Read(std::string_view line) {
  for (JsonFieldValue& value : values_) value = JsonFieldValue();
  return ReadFields(line);
}

absl::Status JsonObjectReader::ReadFields(std::string_view line) {
  std::string& padded = parser_->padded;
  padded.reserve(line.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(line);
  simdjson::padded_string_view view(padded.data(), padded.size(), padded.capacity());

  simdjson::ondemand::document document;
  if (auto error = parser_->parser.iterate(view).get(document)) return JsonError(error);
  json_type root_type;
  if (auto error = document.type().get(root_type)) return JsonError(error);
  if (root_type != json_type::object) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  simdjson::ondemand::object object;
  if (auto error = document.get_object().get(object)) {
    return error == simdjson::INCOMPLETE_ARRAY_OR_OBJECT ? EarlyEndError(line)
                                                         : JsonError(error);
  }
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    if (auto error = std::move(field_result).get(field)) return JsonError(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return JsonError(error);
    // Abseil's string_view is not std::string_view in this build; convert for the lookup.
    auto it = index_of_.find(absl::string_view(key.data(), key.size()));
    if (it == index_of_.end()) {
      absl::Status status = CheckValue(field.value(), 1);
      if (!status.ok()) return InValueOf(key, status);
      continue;
    }
    JsonFieldValue& slot = values_[it->second];
    if (slot.type != JsonFieldValue::Type::kMissing) {
      return absl::InvalidArgumentError(
          absl::StrCat("field '", std::string(key), "' appears twice"));
    }
    simdjson::ondemand::value value = field.value();
    json_type type;
    if (auto error = value.type().get(type)) return JsonError(error);
    switch (type) {
      case json_type::number:
        slot.type = JsonFieldValue::Type::kNumber;
        slot.text = TrimTrailingSpace(value.raw_json_token());
        if (const char* defect = NumberDefect(slot.text)) {
          return InValueOf(key, NumberError(slot.text, defect));
        }
        break;
      case json_type::string:
        slot.type = JsonFieldValue::Type::kString;
        if (auto error = value.get_string().get(slot.text)) return JsonError(error);
        break;
      case json_type::boolean:
        slot.type = JsonFieldValue::Type::kBool;
        if (auto error = value.get_bool().get(slot.boolean)) return JsonError(error);
        break;
      case json_type::null: {
        bool is_null = false;
        if (auto error = value.is_null().get(is_null)) return JsonError(error);
        if (!is_null) return JsonError(simdjson::N_ATOM_ERROR);
        slot.type = JsonFieldValue::Type::kNull;
        break;
      }
      case json_type::array:
      case json_type::object: {
        // No schema field takes one, but the record is only bad JSON if it is bad JSON.
        slot.type = type == json_type::array ? JsonFieldValue::Type::kArray
                                             : JsonFieldValue::Type::kObject;
        absl::Status status = CheckValue(value, 1);
        if (!status.ok()) return InValueOf(key, status);
        break;
      }
    }
  }
  // On-Demand stops reading after the object; anything left over is a damaged line
  // (two records run together, or stray text).
  if (document.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return absl::InvalidArgumentError("unexpected text after the JSON object");
  }
  return absl::OkStatus();
}

}  // namespace sluice
