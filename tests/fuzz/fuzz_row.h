// The record type and schema the CSV and JSON-lines fuzz targets decode into (the
// same fields as the bad-input corpus, tests/data/bad_input), and a check that aborts
// with a message, which libFuzzer reports as a crash with the input that caused it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "io/record_schema.h"

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

// An invariant of the code under test failed: not a bad input, a bug.
[[noreturn]] inline void Broken(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

}  // namespace sluice::fuzz
