// Decodes one CSV record into a T with a RecordSchema: field i of the record goes to
// schema field i.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/records/csv_parser.h"
#include "sluice/io/records/record_schema.h"

namespace sluice {

// Not thread-safe (it keeps split fields between calls); one per reading task.
template <class T>
class CsvRecordDecoder {
 public:
  CsvRecordDecoder(RecordSchema<T> schema, char delimiter)
      : schema_(std::move(schema)), parser_(delimiter) {}

  // Fills the schema's fields of `record`; the error says which field and why.
  absl::Status Decode(std::string_view text, T& record) {
    absl::Status split = parser_.Split(text, &fields_);
    if (!split.ok()) return split;
    if (fields_.size() != schema_.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected ", schema_.size(), " fields, found ", fields_.size()));
    }
    for (size_t i = 0; i < fields_.size(); ++i) {
      const FieldBinding<T>& field = schema_.field(i);
      if (fields_[i].empty() && !field.required()) continue;
      absl::Status status = field.Parse(fields_[i], record);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  // OK if the header line names the schema's fields, in order (surrounding spaces
  // aside); otherwise the error shows both lists.
  absl::Status CheckHeader(std::string_view text) {
    return parser_.CheckHeader(text, schema_.Names());
  }

 private:
  RecordSchema<T> schema_;
  CsvParser parser_;
  std::vector<std::string_view> fields_;
};

}  // namespace sluice
