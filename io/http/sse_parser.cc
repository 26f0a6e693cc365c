#include "sluice/io/http/sse_parser.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace sluice {

void SseParser::Reset() {
  id_buffer_ = last_event_id_;  // an id line of a cut-off event was never committed
  partial_.clear();
  after_cr_ = false;
  bom_matched_ = 0;
  event_.clear();
  data_.clear();
  has_data_ = false;
}

bool SseParser::Feed(std::string_view bytes,
                     const std::function<void(SseMessage&)>& dispatch) {
  // A byte-order mark at the very start is dropped, even when it arrives cut.
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (bom_matched_ >= 0) {
    while (!bytes.empty() && bom_matched_ < 3 && bytes[0] == kBom[bom_matched_]) {
      ++bom_matched_;
      bytes.remove_prefix(1);
    }
    if (bom_matched_ < 3 && bytes.empty()) return true;  // more may complete it
    // Not a BOM after all: its first bytes are text.
    size_t matched = bom_matched_ < 3 ? static_cast<size_t>(bom_matched_) : 0;
    bom_matched_ = -1;
    if (matched > 0 && !FeedLines(kBom.substr(0, matched), dispatch)) return false;
  }
  return FeedLines(bytes, dispatch);
}

bool SseParser::FeedLines(std::string_view bytes,
                          const std::function<void(SseMessage&)>& dispatch) {
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c != '\r' && c != '\n') {
      after_cr_ = false;
      continue;
    }
    if (c == '\n' && after_cr_ && i == start && partial_.empty()) {
      after_cr_ = false;  // the LF of a CRLF whose CR ended the line
      start = i + 1;
      continue;
    }
    after_cr_ = c == '\r';
    std::string_view piece = bytes.substr(start, i - start);
    bool ok;
    if (partial_.empty()) {
      ok = Line(piece, dispatch);
    } else {
      partial_.append(piece);
      ok = Line(partial_, dispatch);
      partial_.clear();
    }
    if (!ok) return false;
    start = i + 1;
  }
  partial_.append(bytes.substr(start));
  return partial_.size() <= max_event_bytes_;
}

bool SseParser::Line(std::string_view line,
                     const std::function<void(SseMessage&)>& dispatch) {
  if (line.empty()) {
    last_event_id_ = id_buffer_;
    if (has_data_) {
      SseMessage message{last_event_id_, std::move(event_), std::move(data_)};
      dispatch(message);
    }
    event_.clear();
    data_.clear();
    has_data_ = false;
    return true;
  }
  if (line[0] == ':') return true;  // a comment (keepalive)
  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
    return data_.size() <= max_event_bytes_;
  }
  if (field == "event") event_ = std::string(value);
  if (field == "id" && value.find('\0') == std::string_view::npos) {
    id_buffer_ = std::string(value);
  }
  int64_t retry = 0;
  if (field == "retry" && !value.empty() &&
      std::all_of(value.begin(), value.end(), absl::ascii_isdigit) &&
      absl::SimpleAtoi(std::string(value), &retry)) {
    retry_ms_ = retry;
  }
  return true;
}

}  // namespace sluice
