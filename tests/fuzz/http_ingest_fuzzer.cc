// Fuzzes what the HTTP ingest endpoint does with a request body from the network:
// IngestPayload (Content-Type, gzip inflation, JSON array framing) and HttpBodyDecoder
// (records into batches, bad ones counted under Skip). The first byte picks the
// Content-Type and whether the rest claims to be gzip; the rest is the body.
// Checked against independent counts: every non-blank line (or, per simdjson's DOM
// parser, every array element) is either accepted or rejected, never lost, and the
// batches hold exactly the accepted records.
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/io/http/http_source.h"
#include "sluice/tests/fuzz/fuzz_types.h"
#include "sluice/tests/fuzz/invariant.h"

namespace sluice::fuzz {
namespace {

constexpr size_t kBatchSize = 7;
constexpr size_t kMaxBytes = 1 << 20;

uint64_t NonBlankLines(std::string_view text) {
  uint64_t count = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) ++count;
  }
  return count;
}

// The element count if `text` is a JSON array of objects to the DOM parser, else -1.
int64_t ObjectArraySize(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  if (parser.parse(text).get_array().get(array) != simdjson::SUCCESS) return -1;
  int64_t size = 0;
  for (simdjson::dom::element element : array) {
    if (!element.is_object()) return -1;
    ++size;
  }
  return size;
}

void Check(const uint8_t* data, size_t size) {
  if (size == 0) return;
  static const char* kTypes[] = {"application/x-ndjson", "application/json",
                                 "text/csv; header=present", "text/csv"};
  HttpRequest request;
  request.method = "POST";
  request.path = "/fuzz";
  request.headers.emplace_back("content-type", kTypes[data[0] & 3]);
  bool gzip = (data[0] & 4) != 0;
  if (gzip) request.headers.emplace_back("content-encoding", "gzip");
  request.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);

  auto read = IngestPayload::Read(request, kMaxBytes);
  if (auto* refusal = std::get_if<HttpResponse>(&read)) {
    if (!gzip) Broken("a plain body of a known type was refused");
    if (refusal->status != 400 && refusal->status != 413) Broken("odd status for gzip");
    return;
  }
  const IngestPayload& payload = std::get<IngestPayload>(read);
  if (payload.text().size() > kMaxBytes) Broken("inflated past the limit");
  HttpBodyDecoder<Row> decode(RowSchema(), BadRecordPolicy::Skip(), "fuzz", kBatchSize);
  IngestDecoded decoded = decode(payload, /*durable=*/false);
  // Durable mode checks the same records and keeps their texts instead.
  IngestDecoded durable = decode(payload, /*durable=*/true);
  if (durable.accepted != decoded.accepted || durable.rejected != decoded.rejected ||
      durable.refusal.has_value() != decoded.refusal.has_value()) {
    Broken("durable and accepted modes disagree");
  }
  if (!durable.batches.empty()) Broken("durable mode made batches");
  if (!durable.refusal && durable.texts.size() != durable.accepted) {
    Broken("durable mode lost a record's text");
  }

  uint64_t in_batches = 0;
  for (const BatchPtr& batch : decoded.batches) {
    size_t n = BatchAs<Row>(batch).items.size();
    if (n == 0 || n > kBatchSize) Broken("a batch is empty or over its size");
    in_batches += n;
  }
  if (decoded.refusal) {
    if (decoded.refusal->status != 400) Broken("a refusal that is not 400");
    if (!decoded.batches.empty()) Broken("a refused body still has batches");
    if (payload.format() == IngestPayload::Format::kJsonArray &&
        ObjectArraySize(payload.text()) >= 0) {
      Broken("a JSON array of objects was refused");
    }
    return;
  }
  if (in_batches != decoded.accepted) Broken("batches do not hold the accepted records");
  uint64_t records = decoded.accepted + decoded.rejected;
  switch (payload.format()) {
    case IngestPayload::Format::kJsonArray: {
      int64_t elements = ObjectArraySize(payload.text());
      if (elements >= 0 && records != static_cast<uint64_t>(elements)) {
        Broken("array elements lost or invented");
      }
      break;
    }
    case IngestPayload::Format::kJsonLines:
    case IngestPayload::Format::kCsv: {
      uint64_t lines = NonBlankLines(payload.text());
      if (payload.csv_header() && lines > 0) --lines;  // the header, checked
      if (records != lines) Broken("lines lost or invented");
      break;
    }
  }
}

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sluice::fuzz::Check(data, size);
  return 0;
}
