// Writes text as a JSON string literal, for the JSON-lines sink and dead-letter files.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

// Appends `text` quoted and escaped: quotes, backslashes and every control character
// are escaped, so one record stays on one line. JSON must be valid UTF-8, so each byte
// that is not part of a well-formed UTF-8 sequence becomes U+FFFD.
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace sluice
