// The sending side of the webhook benchmark (run_webhook.sh starts a receiver and
// runs both modes against it). Both post the same records, as JSON lines in bodies of
// --batch records, with --in_flight requests in flight on reused connections:
//
//   --mode=engine    a job: GeneratorSource<Order> -> HttpSink (at least once: the
//                    job ends only when every body was answered 2xx);
//   --mode=baseline  a hand-written libcurl multi loop that encodes the same records
//                    and keeps the same number of requests in flight.
//
// Prints "records <n> seconds <s> failed <f>".
#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "sluice/sluice.h"

ABSL_FLAG(std::string, mode, "engine", "engine (HttpSink job) or baseline (libcurl)");
ABSL_FLAG(std::string, url, "", "the receiver, http://127.0.0.1:PORT/ingest");
ABSL_FLAG(int64_t, records, 1000000, "records to send");
ABSL_FLAG(int, batch, 1000, "records per request");
ABSL_FLAG(int, in_flight, 4, "requests in flight");

namespace sluice::bench {
namespace {

struct Order {
  int64_t id = 0;
  std::string customer;
  double amount = 0;
};

Order MakeOrder(uint64_t i) {
  return Order{static_cast<int64_t>(i), "c" + std::to_string(i % 1000), (i % 200) * 0.5};
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int RunEngine(const std::string& url, int64_t records, int batch, int in_flight) {
  Dataflow flow;
  flow.Source(GeneratorSource(MakeOrder).Count(static_cast<uint64_t>(records)))
      .Sink(HttpSink(url, RecordSchema<Order>()
                              .Field("id", &Order::id)
                              .Field("customer", &Order::customer)
                              .Field("amount", &Order::amount))
                .Batch(static_cast<size_t>(batch), size_t{16} << 20,
                       std::chrono::milliseconds(100))
                .MaxInFlight(in_flight));
  JobOptions options;
  options.threads = 1;
  options.batch_size = static_cast<size_t>(batch);
  options.print_metrics = false;
  auto start = std::chrono::steady_clock::now();
  absl::Status status = flow.Run(options);
  double seconds = Seconds(start);
  if (!status.ok()) {
    std::fprintf(stderr, "the job failed: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  std::printf("records %lld seconds %.3f failed 0\n", static_cast<long long>(records),
              seconds);
  return 0;
}

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

// One request slot of the baseline: a handle kept for its connection, and its body.
struct Slot {
  CURL* easy = nullptr;
  std::string body;
};

int RunBaseline(const std::string& url, int64_t records, int batch, int in_flight) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(in_flight));
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/x-ndjson");
  std::vector<Slot> slots(static_cast<size_t>(in_flight));
  int64_t next = 0;
  int64_t failed = 0;
  auto start_request = [&](Slot& slot) {
    slot.body.clear();
    for (int i = 0; i < batch && next < records; ++i, ++next) {
      Order order = MakeOrder(static_cast<uint64_t>(next));
      absl::StrAppend(&slot.body, "{\"id\":", order.id, ",\"customer\":\"",
                      order.customer, "\",\"amount\":", order.amount, "}\n");
    }
    curl_easy_setopt(slot.easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(slot.easy, CURLOPT_POSTFIELDS, slot.body.data());
    curl_easy_setopt(slot.easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(slot.body.size()));
    curl_easy_setopt(slot.easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(slot.easy, CURLOPT_WRITEFUNCTION, &Discard);
    curl_easy_setopt(slot.easy, CURLOPT_PRIVATE, &slot);
    curl_multi_add_handle(multi, slot.easy);
  };
  auto start = std::chrono::steady_clock::now();
  int active = 0;
  for (Slot& slot : slots) {
    slot.easy = curl_easy_init();
    if (next < records) {
      start_request(slot);
      ++active;
    }
  }
  while (active > 0) {
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      long status = 0;
      curl_easy_getinfo(message->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      if (message->data.result != CURLE_OK || status < 200 || status >= 300) ++failed;
      Slot* slot = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &slot);
      curl_multi_remove_handle(multi, message->easy_handle);
      --active;
      if (next < records) {
        start_request(*slot);
        ++active;
      }
    }
    if (active > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  double seconds = Seconds(start);
  for (Slot& slot : slots) curl_easy_cleanup(slot.easy);
  curl_slist_free_all(headers);
  curl_multi_cleanup(multi);
  std::printf("records %lld seconds %.3f failed %lld\n", static_cast<long long>(records),
              seconds, static_cast<long long>(failed));
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "The sender of the webhook benchmark: --mode=engine|baseline --url=URL. "
      "Run benchmarks/webhook/run_webhook.sh, which starts a receiver.");
  absl::ParseCommandLine(argc, argv);
  std::string mode = absl::GetFlag(FLAGS_mode);
  std::string url = absl::GetFlag(FLAGS_url);
  int64_t records = absl::GetFlag(FLAGS_records);
  int batch = absl::GetFlag(FLAGS_batch);
  int in_flight = absl::GetFlag(FLAGS_in_flight);
  if (url.empty() || records < 1 || batch < 1 || in_flight < 1) {
    std::fprintf(stderr, "--url is required; --records, --batch and --in_flight >= 1\n");
    return 2;
  }
  if (mode == "engine") return sluice::bench::RunEngine(url, records, batch, in_flight);
  if (mode == "baseline")
    return sluice::bench::RunBaseline(url, records, batch, in_flight);
  std::fprintf(stderr, "--mode must be engine or baseline, not '%s'\n", mode.c_str());
  return 2;
}
