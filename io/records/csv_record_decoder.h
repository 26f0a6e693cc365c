// Decodes one CSV record into a T with a RecordSchema: field i of the record goes to
// schema field i.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sluice/io/records/csv_parser.h"
#include "sluice/io/records/record_schema.h"
#include "sluice/runtime/status_macros.h"

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
    SLUICE_RETURN_IF_ERROR(parser_.Split(text, &fields_));
    std::vector<std::string> header;
    for (std::string_view field : fields_) {
      header.emplace_back(
          absl::StripAsciiWhitespace(absl::string_view(field.data(), field.size())));
    }
    const std::vector<std::string> schema = schema_.Names();
    if (header == schema) return absl::OkStatus();
    std::string detail;
    if (header.size() != schema.size()) {
      detail = absl::StrCat(header.size(), " columns where the schema has ",
                            schema.size(), " fields");
    } else {
      size_t i = 0;
      while (header[i] == schema[i]) ++i;
      detail = absl::StrCat("column ", i + 1, " is '", header[i],
                            "' where the schema has '", schema[i], "'");
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "the header does not match the schema: ", detail, " (header: ",
        absl::StrJoin(header, ","), "; schema: ", absl::StrJoin(schema, ","),
        "). Fields are read by position: reorder the schema's Field calls to match"));
  }

 private:
  RecordSchema<T> schema_;
  CsvParser parser_;
  std::vector<std::string_view> fields_;
};

}  // namespace sluice
