// Fuzzes reading JSON lines: each line through JsonObjectReader and JsonRecordDecoder,
// checked against simdjson's DOM parser, which validates a whole document and is
// independent of the On-Demand walk sluice does. A line sluice accepts must be a
// JSON object to the DOM parser too; a JSON object the DOM parser accepts must be
// accepted by sluice, unless it nests deeper than sluice allows or repeats a key the
// schema reads (which sluice refuses on purpose).
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/io/records/json_object_reader.h"
#include "sluice/io/records/json_record_decoder.h"
#include "sluice/tests/fuzz/fuzz_types.h"
#include "sluice/tests/fuzz/invariant.h"

namespace sluice::fuzz {
namespace {

constexpr int kSluiceMaxDepth = 256;

int Depth(simdjson::dom::element element) {
  int deepest = 0;
  simdjson::dom::array array;
  if (element.get_array().get(array) == simdjson::SUCCESS) {
    for (simdjson::dom::element child : array) deepest = std::max(deepest, Depth(child));
    return deepest + 1;
  }
  simdjson::dom::object object;
  if (element.get_object().get(object) == simdjson::SUCCESS) {
    for (simdjson::dom::key_value_pair field : object) {
      deepest = std::max(deepest, Depth(field.value));
    }
    return deepest + 1;
  }
  return 0;
}

// Whether sluice should accept what the DOM parser read as an object.
bool SluiceShouldAccept(simdjson::dom::element element) {
  simdjson::dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) return false;
  int seen[4] = {0, 0, 0, 0};
  const char* names[4] = {"id", "amount", "name", "count"};
  for (simdjson::dom::key_value_pair field : object) {
    for (int i = 0; i < 4; ++i) {
      if (field.key == names[i] && ++seen[i] > 1) return false;
    }
  }
  return Depth(element) <= kSluiceMaxDepth;
}

void CheckLine(JsonObjectReader& reader, JsonRecordDecoder<Row>& decoder,
               simdjson::dom::parser& dom, std::string_view line) {
  const bool sluice_ok = reader.Read(line).ok();
  simdjson::dom::element element;
  const simdjson::error_code dom_error = dom.parse(line.data(), line.size()).get(element);
  const bool dom_object = dom_error == simdjson::SUCCESS && element.is_object();
  // The DOM parser also refuses numbers it cannot hold (1e400); sluice leaves
  // those to the field's type, so such a line is no evidence either way.
  const bool unrepresentable = dom_error == simdjson::NUMBER_ERROR;
  if (sluice_ok && !dom_object && !unrepresentable) {
    Broken("sluice accepted a line that is not a JSON object");
  }
  if (!sluice_ok && dom_object && SluiceShouldAccept(element)) {
    Broken("sluice refused a JSON object");
  }
  Row row;
  (void)decoder.Decode(line, row);
}

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  using namespace sluice::fuzz;
  static JsonObjectReader* reader =
      new JsonObjectReader({"id", "amount", "name", "count"});
  static JsonRecordDecoder<Row>* decoder = new JsonRecordDecoder<Row>(RowSchema());
  static simdjson::dom::parser* dom = new simdjson::dom::parser();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const size_t end = input.find('\n');
    CheckLine(*reader, *decoder, *dom, input.substr(0, end));
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + 1);
  }
  return 0;
}
