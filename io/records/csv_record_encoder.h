// Encodes a T as one CSV record with a RecordSchema, quoting fields as needed.
#pragma once

#include <string>
#include <utility>

#include "sluice/io/records/csv_escaping.h"
#include "sluice/io/records/record_schema.h"

namespace sluice {

// Not thread-safe (it keeps scratch space); one per sink instance.
template <class T>
class CsvRecordEncoder {
 public:
  CsvRecordEncoder(RecordSchema<T> schema, char delimiter, bool header)
      : schema_(std::move(schema)), delimiter_(delimiter), header_(header) {}

  // The field names, if the sink writes a header.
  void AppendHeader(std::string* out) const {
    if (!header_) return;
    for (size_t i = 0; i < schema_.size(); ++i) {
      if (i > 0) out->push_back(delimiter_);
      AppendCsvField(schema_.field(i).name(), delimiter_, out);
    }
    out->push_back('\n');
  }

  void Append(const T& record, std::string* out) {
    size_t start = out->size();
    for (size_t i = 0; i < schema_.size(); ++i) {
      if (i > 0) out->push_back(delimiter_);
      AppendCsvField(schema_.field(i).Format(record, &scratch_), delimiter_, out);
    }
    // A lone empty field would be a blank line, which readers skip; quote it.
    if (out->size() == start) out->append("\"\"");
    out->push_back('\n');
  }

 private:
  RecordSchema<T> schema_;
  char delimiter_;
  bool header_;
  std::string scratch_;
};

}  // namespace sluice
