// Writes one CSV field, quoting it only when a reader would otherwise split it wrongly;
// and which delimiters CSV can have.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace sluice {

// A CSV delimiter cannot be a quote or a line break (readers and writers alike).
absl::Status CheckCsvDelimiter(char delimiter);

// Appends `value` to `out`, in quotes (with quotes doubled) if it contains the
// delimiter, a quote or a line break, or starts or ends with a space (which some
// readers trim).
void AppendCsvField(std::string_view value, char delimiter, std::string* out);

}  // namespace sluice
