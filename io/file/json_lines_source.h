// A bounded source of JSON-lines records (one object per line) decoded into T by a
// RecordSchema (fields by name; other keys are ignored):
//
//   flow.Source(sluice::JsonLinesSource("/data/events", schema))
//
// The path is a file, a directory (its regular files) or a glob pattern; parallel
// readers share the files (input_file_set.h). Blank lines are skipped. A record that
// cannot be decoded is handled by the BadRecordPolicy (default: fail the job). The
// options all file sources share are in file_source.h.
#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "sluice/io/file/file_source.h"
#include "sluice/io/records/json_record_decoder.h"
#include "sluice/io/records/record_schema.h"

namespace sluice {

template <class T>
class JsonLinesSource final : public FileSource<JsonLinesSource<T>, T> {
 public:
  JsonLinesSource(std::string location, RecordSchema<T> schema)
      : FileSource<JsonLinesSource<T>, T>(std::move(location)),
        schema_(std::move(schema)) {}

 private:
  friend FileSource<JsonLinesSource<T>, T>;

  std::string FormatKind() const { return "json_lines_source"; }
  absl::Status ValidateFormat() const { return schema_.Validate(); }
  RecordFormat Format() const {
    RecordFormat format;
    format.skip_blank_lines = true;
    return format;
  }
  JsonRecordDecoder<T> Decoder() const { return JsonRecordDecoder<T>(schema_); }

  RecordSchema<T> schema_;
};

}  // namespace sluice
