// One large JSON-lines file (1 M lines, about 90 MB) read into structs: by the engine's
// JsonLinesSource at 1 and 2 threads (parallelism = threads, so at 2 the file is cut
// into two byte ranges), and by a hand-written loop doing the same work in the same
// run: getline(3) and simdjson's on-demand parser, the same fields into the same
// struct, folded into the same totals. The file stays in the page cache, so the
// figures are parsing, not disk. Throughput is lines per second of wall time.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "benchmark/benchmark.h"
#include "sluice/benchmarks/baseline_and_engine.h"
#include "sluice/benchmarks/folding_sink.h"
#include "sluice/benchmarks/temp_dir.h"
#include "sluice/sluice.h"

namespace sluice::bench {
namespace {

constexpr uint64_t kLines = 1'000'000;

struct Purchase {
  int64_t id = 0;
  int64_t cents = 0;
  std::string shop;
};

struct PurchaseTotals {
  uint64_t lines = 0;
  uint64_t sum = 0;  // of id * 3 + cents + shop length: independent of order
  void Fold(const Purchase& p) {
    ++lines;
    sum += static_cast<uint64_t>(p.id * 3 + p.cents) + p.shop.size();
  }
  void Merge(const PurchaseTotals& other) {
    lines += other.lines;
    sum += other.sum;
  }
  bool operator==(const PurchaseTotals&) const = default;
};

RecordSchema<Purchase> PurchaseSchema() {
  return RecordSchema<Purchase>()
      .Field("id", &Purchase::id)
      .Field("cents", &Purchase::cents)
      .Field("shop", &Purchase::shop);
}

// The file, written once per process; its totals, computed while writing it.
struct InputFile {
  TempDir dir;
  std::string path;
  PurchaseTotals totals;
};

// Writes the file and sums what it holds.
bool Write(InputFile& input) {
  input.path = input.dir.path() + "/purchases.jsonl";
  std::FILE* out = std::fopen(input.path.c_str(), "wb");
  if (out == nullptr) return false;
  for (uint64_t i = 0; i < kLines; ++i) {
    Purchase p{static_cast<int64_t>(i), static_cast<int64_t>((i * 7919) % 100000),
               i % 3 == 0 ? "north-east" : "south"};
    input.totals.Fold(p);
    std::fprintf(out,
                 "{\"id\": %lld, \"cents\": %lld, \"shop\": \"%s\", \"note\": \"%s\"}\n",
                 static_cast<long long>(p.id), static_cast<long long>(p.cents),
                 p.shop.c_str(), "a field the schema does not read");
  }
  return std::fclose(out) == 0;
}

// Written on first use; the directory goes when the process exits.
const InputFile* Input() {
  static InputFile input;
  static const bool written = Write(input);
  return written ? &input : nullptr;
}

// The baseline: one thread, line by line, the schema's three fields by name.
PurchaseTotals ReadByHand(const std::string& path) {
  PurchaseTotals totals;
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (in == nullptr) return totals;
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded;
  char* line = nullptr;
  size_t capacity = 0;
  ssize_t length;
  while ((length = ::getline(&line, &capacity, in)) > 0) {
    padded = simdjson::padded_string(line, static_cast<size_t>(length));
    simdjson::ondemand::document doc;
    if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) break;
    Purchase p;
    std::string_view shop;
    if (doc["id"].get_int64().get(p.id) != simdjson::SUCCESS ||
        doc["cents"].get_int64().get(p.cents) != simdjson::SUCCESS ||
        doc["shop"].get_string().get(shop) != simdjson::SUCCESS) {
      break;
    }
    p.shop.assign(shop);
    totals.Fold(p);
  }
  std::free(line);
  std::fclose(in);
  return totals;
}

void BM_JsonFileBaseline(benchmark::State& state) {
  const InputFile* input = Input();
  if (input == nullptr) state.SkipWithError("cannot write the input file");
  for (auto _ : state) {
    PurchaseTotals got = ReadByHand(input->path);
    if (!(got == input->totals)) {
      state.SkipWithError("the baseline read other totals than were written");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kLines));
}

void BM_JsonFileEngine(benchmark::State& state) {
  const InputFile* input = Input();
  if (input == nullptr) state.SkipWithError("cannot write the input file");
  JobOptions options;
  options.threads = static_cast<int>(state.range(0));
  options.parallelism = options.threads;
  for (auto _ : state) {
    Dataflow flow;
    FoldingSink<Purchase, PurchaseTotals> sink;
    flow.Source(JsonLinesSource(input->path, PurchaseSchema())).Sink(sink);
    absl::Status status = flow.Run(options);
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    if (!(sink.Result() == input->totals)) {
      state.SkipWithError("the engine read other totals than were written");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kLines));
}

const bool kRegistered = [] {
  RegisterBaselineAndEngine("json_file_1Mlines", BM_JsonFileBaseline, BM_JsonFileEngine);
  return true;
}();

}  // namespace
}  // namespace sluice::bench
