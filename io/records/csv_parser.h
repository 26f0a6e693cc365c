// Splits one CSV record into fields (RFC 4180: quoted fields, "" for a quote, line
// breaks inside quotes). Used by CsvSource; holds scratch space, so keep one per thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace sluice {

class CsvParser {
 public:
  explicit CsvParser(char delimiter = ',') : delimiter_(delimiter) {}

  // Splits `record` into `fields`. The views point into `record` or into this parser,
  // so they stay valid until the next Split and while `record` lives. A quote inside
  // an unquoted field, text after a closing quote or an unterminated quoted field
  // are errors: each is a sign of a damaged record rather than a style choice.
  absl::Status Split(std::string_view record, std::vector<std::string_view>* fields);

  // True if `text` ends inside a quoted field, so the record continues on the next
  // line. `starts_inside_quotes` continues the scan of a record across lines, which
  // keeps joining a long multi-line record linear in its length.
  bool EndsInsideQuotes(std::string_view text, bool starts_inside_quotes = false) const;

  // OK if the header line `header` names `names`, in order (surrounding spaces
  // aside); otherwise the error shows both lists.
  absl::Status CheckHeader(std::string_view header,
                           const std::vector<std::string>& names);

  char delimiter() const { return delimiter_; }

 private:
  // Where a field's text lives: in the record itself, or unescaped in `unescaped_`
  // (offsets, not views, because `unescaped_` may move while it grows).
  struct Span {
    bool unescaped;
    size_t offset;
    size_t size;
  };

  char delimiter_;
  std::string unescaped_;
  std::vector<Span> spans_;
};

}  // namespace sluice
