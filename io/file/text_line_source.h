// A bounded source of the lines of text files, as std::string without line endings:
//
//   flow.Source(sluice::TextLineSource("/var/log/app/*.log"))
//
// The path is a file, a directory (its regular files) or a glob pattern; parallel
// readers share the files (input_file_set.h). A line that is not valid UTF-8 is a
// bad record, handled by the BadRecordPolicy (default: fail the job). The options all
// file sources share are in file_source.h.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "sluice/io/file/file_source.h"

namespace sluice {

class TextLineSource final : public FileSource<TextLineSource, std::string> {
 public:
  explicit TextLineSource(std::string location) : FileSource(std::move(location)) {}

 private:
  friend FileSource<TextLineSource, std::string>;

  struct LineDecoder {
    absl::Status Decode(std::string_view text, std::string& line) {
      line.assign(text);
      return absl::OkStatus();
    }
  };

  std::string FormatKind() const { return "text_lines"; }
  absl::Status ValidateFormat() const { return absl::OkStatus(); }
  RecordFormat Format() const { return RecordFormat(); }
  LineDecoder Decoder() const { return LineDecoder(); }
};

}  // namespace sluice
