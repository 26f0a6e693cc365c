// Schema checks that do not depend on the record type.
#include "sluice/io/records/record_schema.h"

#include "absl/container/flat_hash_set.h"

namespace sluice {

absl::Status ValidateSchemaFieldNames(const std::vector<std::string>& names) {
  if (names.empty()) return absl::InvalidArgumentError("the record schema has no fields");
  absl::flat_hash_set<std::string_view> seen;
  for (const std::string& name : names) {
    if (name.empty()) {
      return absl::InvalidArgumentError("a record schema field has an empty name");
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("the record schema names field '", name, "' twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace sluice
