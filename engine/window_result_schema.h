// A ready RecordSchema for window results, so a window's output can go straight to a
// CSV or JSON-lines sink:
//
//   stream.Window(TumblingWindows(1min)).Aggregate(aggregates::Count())
//       .Sink(CsvSink(path, WindowResultSchema<std::string, int64_t>()));
//   // columns: key, start, end, value
//
//   struct Stats { int64_t count; double total; };
//   .Sink(JsonLinesSink(path, WindowResultSchema<std::string>(
//       RecordSchema<Stats>().Field("count", &Stats::count)
//                             .Field("total", &Stats::total))));
//   // keys: key, start, end, count, total
//
// start and end are the window's bounds in event-time milliseconds. The pane timing
// (early, on time, late) is not written; a job with an early or late trigger that
// needs it maps the result to its own struct first.
#pragma once

#include <string>
#include <utility>

#include "sluice/io/records/record_schema.h"
#include "sluice/operators/windows/time_window.h"

namespace sluice {

// The key, start and end columns of a WindowResult<K, R>.
template <class K, class R>
RecordSchema<WindowResult<K, R>> WindowBoundsSchema() {
  static_assert(SchemaValue<K>,
                "WindowResultSchema: the key must be a schema value (an integer, "
                "float, double, bool or std::string); for a struct key, build the "
                "schema with RecordSchema<WindowResult<K, R>>().Fields(&WindowResult<"
                "K, R>::key, key_schema)");
  using Result = WindowResult<K, R>;
  return RecordSchema<Result>()
      .Field("key", &Result::key)
      .Field("start", &Result::start)
      .Field("end", &Result::end);
}

// key, start, end, then `value_name` for a window whose result is one value.
template <class K, class R>
RecordSchema<WindowResult<K, R>> WindowResultSchema(std::string value_name = "value") {
  static_assert(SchemaValue<R>,
                "WindowResultSchema<K, R>(): R must be a schema value; for a struct "
                "result pass its RecordSchema: WindowResultSchema<K>(schema)");
  return WindowBoundsSchema<K, R>().Field(std::move(value_name),
                                          &WindowResult<K, R>::value);
}

// key, start, end, then the fields of `value` for a window whose result is a struct.
template <class K, class R>
RecordSchema<WindowResult<K, R>> WindowResultSchema(const RecordSchema<R>& value) {
  return WindowBoundsSchema<K, R>().Fields(&WindowResult<K, R>::value, value);
}

}  // namespace sluice
