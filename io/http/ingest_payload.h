// The records in the body of an ingest request: how its Content-Type and
// Content-Encoding say to read it, and the records one by one, each with its number.
//
//   application/x-ndjson, application/jsonl   JSON lines: one object per line
//   application/json                          a JSON array of objects
//   text/csv                                  one record per line; with the parameter
//                                             header=present (RFC 4180) the first
//                                             line names the fields
//   Content-Encoding: gzip (or deflate)       inflated first, up to the body limit
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "sluice/io/http/http_message.h"

namespace sluice {

class IngestPayload {
 public:
  enum class Format { kJsonLines, kJsonArray, kCsv };

  // The media types an ingest endpoint accepts, for its route.
  static std::vector<std::string> MediaTypes();
  // Reads the body of `request` (moved out of it). The error answer is 415 for an
  // unknown type or encoding, 413 when it inflates past `max_bytes`, 400 for a
  // damaged gzip stream.
  static std::variant<IngestPayload, HttpResponse> Read(HttpRequest& request,
                                                        size_t max_bytes);

  Format format() const { return format_; }
  bool csv_header() const { return csv_header_; }
  const std::string& text() const { return text_; }
  // "line" for JSON lines and CSV, "element" for a JSON array: what a record's
  // number counts, for messages.
  std::string_view unit() const {
    return format_ == Format::kJsonArray ? "element" : "line";
  }

  // Calls `record(text, number)` for each record in order (numbers from 1; blank
  // lines are skipped but counted). For CSV with a header, the header is the first
  // record. Stops early when `record` returns false. Fails only when the
  // body is not a JSON array at all, or an element is not an object.
  absl::Status ForEachRecord(
      const std::function<bool(std::string_view text, uint64_t number)>& record) const;

 private:
  absl::Status ForEachArrayElement(
      const std::function<bool(std::string_view, uint64_t)>& record) const;

  Format format_ = Format::kJsonLines;
  bool csv_header_ = false;
  std::string text_;
};

}  // namespace sluice
