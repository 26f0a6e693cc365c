// JSON object field extraction with simdjson On-Demand.
#include "io/json_object_reader.h"

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
  if (auto error = document.get_object().get(object)) return JsonError(error);
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    if (auto error = std::move(field_result).get(field)) return JsonError(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return JsonError(error);
    // Abseil's string_view is not std::string_view in this build; convert for the lookup.
    auto it = index_of_.find(absl::string_view(key.data(), key.size()));
    if (it == index_of_.end()) continue;  // On-Demand skips the unread value.
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
        slot.type = JsonFieldValue::Type::kArray;
        break;
      case json_type::object:
        slot.type = JsonFieldValue::Type::kObject;
        break;
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
