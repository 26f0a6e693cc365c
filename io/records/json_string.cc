// JSON string escaping with replacement of malformed UTF-8.
#include "sluice/io/records/json_string.h"

#include <cstdint>

namespace sluice {
namespace {

// Length of the well-formed UTF-8 sequence starting at text[i] (at least 2 bytes,
// since the caller handles ASCII), or 0 if it is malformed: overlong forms,
// surrogates and code points above U+10FFFF are rejected as in RFC 3629.
size_t MultiByteSequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  auto continuation = [&](size_t k) {
    return k < text.size() && (byte(k) & 0xC0) == 0x80;
  };
  uint8_t lead = byte(i);
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(i + 1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(i + 1) || !continuation(i + 2)) return 0;
    uint8_t second = byte(i + 1);
    if (lead == 0xE0 && second < 0xA0) return 0;  // overlong
    if (lead == 0xED && second > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(i + 1) || !continuation(i + 2) || !continuation(i + 3)) return 0;
    uint8_t second = byte(i + 1);
    if (lead == 0xF0 && second < 0x90) return 0;  // overlong
    if (lead == 0xF4 && second > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

bool NeedsEscape(uint8_t c) { return c < 0x20 || c == '"' || c == '\\' || c >= 0x80; }

void AppendEscapedAscii(uint8_t c, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out->append("\\\"");
      return;
    case '\\':
      out->append("\\\\");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    default:
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
  }
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    // Copy runs of plain characters in one append; most strings are one such run.
    size_t run = i;
    while (run < text.size() && !NeedsEscape(static_cast<uint8_t>(text[run]))) ++run;
    out->append(text.data() + i, run - i);
    i = run;
    if (i == text.size()) break;
    auto c = static_cast<uint8_t>(text[i]);
    if (c < 0x80) {
      AppendEscapedAscii(c, out);
      ++i;
      continue;
    }
    size_t length = MultiByteSequenceLength(text, i);
    if (length == 0) {
      out->append("\\ufffd");
      ++i;
    } else {
      out->append(text.data() + i, length);
      i += length;
    }
  }
  out->push_back('"');
}

}  // namespace sluice
