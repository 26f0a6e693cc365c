#include "sluice/io/http/ingest_payload.h"

#include <simdjson.h>
#include <zlib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/http/http_route_table.h"

namespace sluice {
namespace {

// Inflates a gzip or zlib stream (zlib detects which) into `out`, at most `max_bytes`.
// A body that inflates past the limit is refused before it is all held in memory,
// so a small "zip bomb" cannot exhaust memory.
std::variant<std::string, HttpResponse> Inflate(std::string_view in, size_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) {
    return HttpResponse::Error(500, "cannot start zlib");
  }
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int result = Z_OK;
  while (result != Z_STREAM_END) {
    if (out.size() >= max_bytes + 1) break;
    size_t used = out.size();
    out.resize(std::min(max_bytes + 1, std::max<size_t>(used * 2, 64 << 10)));
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    zs.avail_out = static_cast<uInt>(out.size() - used);
    result = inflate(&zs, Z_NO_FLUSH);
    out.resize(out.size() - zs.avail_out);
    if (result == Z_BUF_ERROR && zs.avail_in == 0) break;  // truncated stream
    if (result != Z_OK && result != Z_STREAM_END && result != Z_BUF_ERROR) break;
  }
  inflateEnd(&zs);
  if (out.size() > max_bytes) {
    return HttpResponse::Error(
        413, absl::StrCat("the body inflates to more than ", max_bytes, " bytes"));
  }
  if (result != Z_STREAM_END) {
    return HttpResponse::Error(
        400, absl::StrCat("the gzip body is damaged or truncated",
                          zs.msg != nullptr ? absl::StrCat(" (", zs.msg, ")") : ""));
  }
  return out;
}

}  // namespace

std::vector<std::string> IngestPayload::MediaTypes() {
  return {"application/x-ndjson", "application/jsonl", "application/json", "text/csv"};
}

std::variant<IngestPayload, HttpResponse> IngestPayload::Read(HttpRequest& request,
                                                              size_t max_bytes) {
  IngestPayload payload;
  std::string content_type(request.Header("content-type"));
  std::string media = MediaType(content_type);
  if (media == "application/json") {
    payload.format_ = Format::kJsonArray;
  } else if (media == "text/csv") {
    payload.format_ = Format::kCsv;
    std::string lower = absl::AsciiStrToLower(content_type);
    payload.csv_header_ = absl::StrContains(lower, "header=present");
  } else if (media == "application/x-ndjson" || media == "application/jsonl") {
    payload.format_ = Format::kJsonLines;
  } else {
    return HttpResponse::Error(
        415, absl::StrCat("unsupported Content-Type '", content_type, "'"));
  }
  std::string encoding =
      absl::AsciiStrToLower(std::string(request.Header("content-encoding")));
  if (encoding.empty() || encoding == "identity") {
    payload.text_ = std::move(request.body);
  } else if (encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") {
    auto inflated = Inflate(request.body, max_bytes);
    if (auto* refusal = std::get_if<HttpResponse>(&inflated)) return *refusal;
    payload.text_ = std::move(std::get<std::string>(inflated));
  } else {
    HttpResponse refusal = HttpResponse::Error(
        415, absl::StrCat("unsupported Content-Encoding '", encoding, "' (use gzip)"));
    refusal.headers.emplace_back("Accept-Encoding", "gzip");
    return refusal;
  }
  return payload;
}

absl::Status IngestPayload::ForEachRecord(
    const std::function<bool(std::string_view, uint64_t)>& record) const {
  if (format_ == Format::kJsonArray) return ForEachArrayElement(record);
  std::string_view rest = text_;
  uint64_t number = 0;
  while (!rest.empty()) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (!record(line, number)) break;
  }
  return absl::OkStatus();
}

absl::Status IngestPayload::ForEachArrayElement(
    const std::function<bool(std::string_view, uint64_t)>& record) const {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(text_);
  simdjson::ondemand::document doc;
  simdjson::ondemand::array array;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc.get_array().get(array) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        "an application/json body must be a JSON array of objects");
  }
  uint64_t number = 0;
  for (auto element : array) {
    ++number;
    simdjson::ondemand::object object;
    std::string_view raw;
    if (element.get_object().get(object) != simdjson::SUCCESS ||
        object.raw_json().get(raw) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(
          absl::StrCat("element ", number, " is not a JSON object"));
    }
    if (!record(raw, number)) break;
  }
  return absl::OkStatus();
}

}  // namespace sluice
