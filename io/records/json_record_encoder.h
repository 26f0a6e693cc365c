// Encodes a T as one JSON object on one line with a RecordSchema (keys are the
// schema's field names, in schema order).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sluice/io/records/json_string.h"
#include "sluice/io/records/record_schema.h"

namespace sluice {

template <class T>
class JsonRecordEncoder {
 public:
  explicit JsonRecordEncoder(RecordSchema<T> schema) : schema_(std::move(schema)) {
    // Each key is escaped once here rather than once per record.
    for (size_t i = 0; i < schema_.size(); ++i) {
      std::string key = i == 0 ? "{" : ",";
      AppendJsonString(schema_.field(i).name(), &key);
      key.push_back(':');
      keys_.push_back(std::move(key));
    }
  }

  void AppendHeader(std::string*) const {}

  void Append(const T& record, std::string* out) const {
    for (size_t i = 0; i < schema_.size(); ++i) {
      out->append(keys_[i]);
      schema_.field(i).AppendJson(record, out);
    }
    out->append("}\n");
  }

 private:
  RecordSchema<T> schema_;
  std::vector<std::string> keys_;
};

}  // namespace sluice
