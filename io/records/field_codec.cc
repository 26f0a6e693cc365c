// Message helpers for the strict value conversions in field_codec.h.
#include "sluice/io/records/field_codec.h"

#include "absl/strings/str_cat.h"

namespace sluice {

const char* ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNumber:
      return "a number";
    case ValueKind::kBool:
      return "true or false";
    case ValueKind::kString:
      return "a string";
  }
  return "a value";
}

std::string QuoteValueForMessage(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  // std::string, not the view: this Abseil build's string_view is its own type.
  if (text.size() <= kMaxShown) return absl::StrCat("'", std::string(text), "'");
  return absl::StrCat("'", std::string(text.substr(0, kMaxShown)), "...' (", text.size(),
                      " bytes)");
}

}  // namespace sluice
