// A bounded source of CSV records decoded into T by a RecordSchema (fields by
// position):
//
//   flow.Source(sluice::CsvSource("/data/txns/*.csv", schema).Header())
//
// The path is a file, a directory (its regular files) or a glob pattern; parallel
// readers share the files (input_file_set.h). Quoted fields may hold the delimiter,
// "" for a quote and line breaks. Blank lines are skipped. A record that cannot be
// decoded is handled by the BadRecordPolicy (default: fail the job). The options all
// file sources share are in file_source.h.
#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "sluice/io/file/file_source.h"
#include "sluice/io/records/csv_escaping.h"
#include "sluice/io/records/csv_record_decoder.h"
#include "sluice/io/records/record_schema.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

template <class T>
class CsvSource final : public FileSource<CsvSource<T>, T> {
 public:
  CsvSource(std::string location, RecordSchema<T> schema)
      : FileSource<CsvSource<T>, T>(std::move(location)), schema_(std::move(schema)) {}

  // Every file starts with a header line naming the schema's fields in order; a file
  // whose header differs (other names, another order, more or fewer columns) fails
  // the job, naming the file and both lists, rather than being read into the wrong
  // fields.
  [[nodiscard]] CsvSource Header(bool has_header = true) const {
    CsvSource copy = *this;
    copy.format_.header_line = has_header;
    return copy;
  }
  // No quoted field holds a line break, so every line is one record: large files
  // are then cut into byte ranges that parallel readers share. A quoted field that
  // does break a line is then a bad record (an unterminated quote).
  [[nodiscard]] CsvSource SingleLineRecords(bool single_line = true) const {
    CsvSource copy = *this;
    copy.format_.quoted_line_breaks = !single_line;
    return copy;
  }
  [[nodiscard]] CsvSource Delimiter(char delimiter) const {
    CsvSource copy = *this;
    copy.format_.delimiter = delimiter;
    return copy;
  }

 private:
  friend FileSource<CsvSource<T>, T>;

  std::string FormatKind() const { return "csv_source"; }
  absl::Status ValidateFormat() const {
    SLUICE_RETURN_IF_ERROR(schema_.Validate());
    return CheckCsvDelimiter(format_.delimiter);
  }
  RecordFormat Format() const { return format_; }
  CsvRecordDecoder<T> Decoder() const {
    return CsvRecordDecoder<T>(schema_, format_.delimiter);
  }

  static RecordFormat DefaultFormat() {
    RecordFormat format;
    format.skip_blank_lines = true;
    format.quoted_line_breaks = true;
    return format;
  }

  RecordSchema<T> schema_;
  RecordFormat format_ = DefaultFormat();
};

}  // namespace sluice
