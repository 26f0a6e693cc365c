// Reads one JSON-lines record as an object and picks out the fields a schema names,
// with simdjson's On-Demand API (kept out of this header because it is large).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace sluice {

// One named field as found in the object.
struct JsonFieldValue {
  enum class Type { kMissing, kNull, kNumber, kString, kBool, kArray, kObject };
  Type type = Type::kMissing;
  // The number's text as written, or the unescaped string. Valid until the next Read.
  std::string_view text;
  bool boolean = false;
};

// "a number", "null", "an array", ...: for messages about mismatched values.
const char* JsonTypeName(JsonFieldValue::Type type);

class JsonObjectReader {
 public:
  // `field_names[i]` is looked up into values()[i]; other keys are ignored.
  explicit JsonObjectReader(std::vector<std::string> field_names);
  ~JsonObjectReader();
  JsonObjectReader(JsonObjectReader&&) noexcept;
  JsonObjectReader& operator=(JsonObjectReader&&) noexcept;

  // Parses `line`, which must hold exactly one JSON object. On error the message
  // says what is wrong (malformed JSON, not an object, a key given twice).
  absl::Status Read(std::string_view line);
  // The named fields of the last object read, in the order given to the constructor.
  const std::vector<JsonFieldValue>& values() const { return values_; }

 private:
  struct Parser;
  absl::Status ReadFields(std::string_view line);

  std::unique_ptr<Parser> parser_;
  absl::flat_hash_map<std::string, size_t> index_of_;
  std::vector<JsonFieldValue> values_;
};

}  // namespace sluice
