// The types the fuzz targets decode into: the CSV and JSON-lines record (the same
// fields as the bad-input corpus, tests/data/bad_input) and a keyed-state struct.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include "sluice/io/records/record_schema.h"

namespace sluice::fuzz {

struct Row {
  int64_t id = 0;
  double amount = 0;
  std::string name;
  uint8_t count = 0;
};

inline RecordSchema<Row> RowSchema() {
  return RecordSchema<Row>()
      .Field("id", &Row::id)
      .Field("amount", &Row::amount)
      .Field("name", &Row::name)
      .Field("count", &Row::count);
}

// Keyed state with several fields, as an aggregate keeps it.
struct Accumulator {
  int64_t count = 0;
  double sum = 0;
  std::string last;
  auto Fields() { return std::tie(count, sum, last); }
};

}  // namespace sluice::fuzz
