// A sink that writes events as JSON lines (one object per line) with a RecordSchema:
//
//   stream.Sink(sluice::JsonLinesSink("/out/events.jsonl", schema));  // one file
//   stream.Sink(sluice::JsonLinesSink("/out/events", schema).FilePerInstance());
//
// Strings are escaped (control characters included); non-finite numbers are written
// as null. Where and how files are written (one file, a file per instance, exactly
// once) is what all file sinks share: file_sink.h.
#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "sluice/io/file/file_sink.h"
#include "sluice/io/records/json_record_encoder.h"
#include "sluice/io/records/record_schema.h"

namespace sluice {

template <class T>
class JsonLinesSink final : public FileSink<JsonLinesSink<T>, T> {
 public:
  JsonLinesSink(std::string path, RecordSchema<T> schema)
      : FileSink<JsonLinesSink<T>, T>(std::move(path)), schema_(std::move(schema)) {}

 private:
  friend FileSink<JsonLinesSink<T>, T>;

  std::string FormatKind() const { return "json_lines_sink"; }
  const char* Extension() const { return "jsonl"; }
  absl::Status ValidateFormat() const { return schema_.Validate(); }
  JsonRecordEncoder<T> Encoder() const { return JsonRecordEncoder<T>(schema_); }

  RecordSchema<T> schema_;
};

}  // namespace sluice
