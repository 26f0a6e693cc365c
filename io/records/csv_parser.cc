// CSV record splitting; see csv_parser.h for the accepted dialect.
#include "sluice/io/records/csv_parser.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sluice {

absl::Status CsvParser::Split(std::string_view record,
                              std::vector<std::string_view>* fields) {
  unescaped_.clear();
  spans_.clear();
  size_t i = 0;
  while (true) {
    if (i < record.size() && record[i] == '"') {
      // Quoted field: copy it out only if it holds an escaped quote.
      size_t start = ++i;
      bool escaped = false;
      size_t unescaped_start = unescaped_.size();
      while (true) {
        size_t quote = record.find('"', i);
        if (quote == std::string_view::npos) {
          return absl::InvalidArgumentError("unterminated quoted field");
        }
        if (quote + 1 < record.size() && record[quote + 1] == '"') {
          escaped = true;
          unescaped_.append(record.substr(i, quote + 1 - i));
          i = quote + 2;
          continue;
        }
        if (escaped) {
          unescaped_.append(record.substr(i, quote - i));
          spans_.push_back({true, unescaped_start, unescaped_.size() - unescaped_start});
        } else {
          spans_.push_back({false, start, quote - start});
        }
        i = quote + 1;
        break;
      }
      if (i < record.size() && record[i] != delimiter_) {
        return absl::InvalidArgumentError(
            "unexpected text after the closing quote of a quoted field");
      }
    } else {
      size_t end = record.find(delimiter_, i);
      if (end == std::string_view::npos) end = record.size();
      if (record.substr(i, end - i).find('"') != std::string_view::npos) {
        return absl::InvalidArgumentError(
            "quote inside an unquoted field (quote the whole field and double the "
            "quote)");
      }
      spans_.push_back({false, i, end - i});
      i = end;
    }
    if (i >= record.size()) break;
    ++i;  // the delimiter; one at the very end leaves an empty last field
    if (i == record.size()) {
      spans_.push_back({false, i, 0});
      break;
    }
  }
  fields->clear();
  for (const Span& span : spans_) {
    fields->push_back(span.unescaped
                          ? std::string_view(unescaped_).substr(span.offset, span.size)
                          : record.substr(span.offset, span.size));
  }
  return absl::OkStatus();
}

bool CsvParser::EndsInsideQuotes(std::string_view text, bool starts_inside_quotes) const {
  bool inside = starts_inside_quotes;
  bool field_start = !starts_inside_quotes;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inside) {
      if (c != '"') continue;
      if (i + 1 < text.size() && text[i + 1] == '"') {
        ++i;
      } else {
        inside = false;
      }
    } else if (c == delimiter_) {
      field_start = true;
      continue;
    } else if (c == '"' && field_start) {
      inside = true;
    }
    field_start = false;
  }
  return inside;
}

absl::Status CsvParser::CheckHeader(std::string_view header,
                                    const std::vector<std::string>& names) {
  std::vector<std::string_view> fields;
  absl::Status split = Split(header, &fields);
  if (!split.ok()) return split;
  std::vector<std::string> columns;
  for (std::string_view field : fields) {
    columns.emplace_back(
        absl::StripAsciiWhitespace(absl::string_view(field.data(), field.size())));
  }
  if (columns == names) return absl::OkStatus();
  std::string detail;
  if (columns.size() != names.size()) {
    detail = absl::StrCat(columns.size(), " columns where the schema has ", names.size(),
                          " fields");
  } else {
    size_t i = 0;
    while (columns[i] == names[i]) ++i;
    detail = absl::StrCat("column ", i + 1, " is '", columns[i],
                          "' where the schema has '", names[i], "'");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "the header does not match the schema: ", detail,
      " (header: ", absl::StrJoin(columns, ","), "; schema: ", absl::StrJoin(names, ","),
      "). Fields are read by position: reorder the schema's Field calls to match"));
}

}  // namespace sluice
