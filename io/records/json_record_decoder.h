// Decodes one JSON-lines record into a T with a RecordSchema: fields by name, other
// keys ignored, a missing or null required field an error.
#pragma once

#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/records/json_object_reader.h"
#include "sluice/io/records/record_schema.h"

namespace sluice {

// Not thread-safe (it owns a JSON parser); one per reading task.
template <class T>
class JsonRecordDecoder {
 public:
  explicit JsonRecordDecoder(RecordSchema<T> schema)
      : schema_(std::move(schema)), reader_(schema_.Names()) {}

  absl::Status Decode(std::string_view text, T& record) {
    absl::Status read = reader_.Read(text);
    if (!read.ok()) return read;
    for (size_t i = 0; i < schema_.size(); ++i) {
      absl::Status status = Assign(schema_.field(i), reader_.values()[i], record);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

 private:
  using Type = JsonFieldValue::Type;

  static absl::Status Assign(const FieldBinding<T>& field, const JsonFieldValue& value,
                             T& record) {
    if (value.type == Type::kMissing || value.type == Type::kNull) {
      if (!field.required()) return absl::OkStatus();
      return absl::InvalidArgumentError(
          absl::StrCat(value.type == Type::kMissing ? "missing field '" : "null field '",
                       field.name(), "'"));
    }
    switch (field.kind()) {
      case ValueKind::kNumber:
        // Numbers are parsed from their JSON text by the same strict code as CSV, so
        // 1.5 into an integer or 300 into an int8_t fails the same way in both.
        if (value.type == Type::kNumber) return field.Parse(value.text, record);
        break;
      case ValueKind::kString:
        if (value.type == Type::kString) return field.Parse(value.text, record);
        break;
      case ValueKind::kBool:
        if (value.type == Type::kBool) {
          return field.Parse(value.boolean ? "true" : "false", record);
        }
        break;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("field '", field.name(), "': expected ", ValueKindName(field.kind()),
                     ", found ", JsonTypeName(value.type)));
  }

  RecordSchema<T> schema_;
  JsonObjectReader reader_;
};

}  // namespace sluice
