// The server side of the HTTP ingest benchmark (run_http_ingest.sh drives it with wrk
// and hey). Two modes doing the same work on the same number of I/O threads:
//
//   --mode=engine    a job: HttpSource<Order> (JSON lines) -> a sink that counts the
//                    records and sums their fields;
//   --mode=baseline  a hand-written minimal Boost.Beast server: it reads each POST
//                    body, parses every line with simdjson into the same struct,
//                    counts and sums, and answers 202 (keep-alive).
//
// Both print "listening on <address>" once ready, run for --seconds, then print
// "records <n> sum_ids <s>" so the script can check that nothing was lost.
#include <simdjson.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "sluice/benchmarks/folding_sink.h"
#include "sluice/sluice.h"

ABSL_FLAG(std::string, mode, "engine", "engine (HttpSource job) or baseline (Beast)");
ABSL_FLAG(int, port, 0, "port on 127.0.0.1; 0 picks a free one");
ABSL_FLAG(int, seconds, 10, "how long to serve");
ABSL_FLAG(int, io_threads, 1, "I/O threads (both modes)");
ABSL_FLAG(int, threads, 1, "engine: job worker threads");

namespace sluice::bench {
namespace {

struct Order {
  int64_t id = 0;
  std::string customer;
  double amount = 0;
};

struct OrderTotals {
  int64_t records = 0;
  int64_t sum_ids = 0;
  void Fold(const Order& order) {
    ++records;
    sum_ids += order.id;
  }
  void Merge(const OrderTotals& other) {
    records += other.records;
    sum_ids += other.sum_ids;
  }
};

int RunEngine() {
  FoldingSink<Order, OrderTotals> sink;
  Dataflow flow;
  flow.Source(HttpSource("/ingest", RecordSchema<Order>()
                                        .Field("id", &Order::id)
                                        .Field("customer", &Order::customer)
                                        .Field("amount", &Order::amount)))
      .Sink(sink);
  JobOptions options;
  options.threads = absl::GetFlag(FLAGS_threads);
  options.http.listen = "127.0.0.1:" + std::to_string(absl::GetFlag(FLAGS_port));
  options.http.io_threads = absl::GetFlag(FLAGS_io_threads);
  auto job = flow.Build(options);
  if (!job.ok() || !job->Start().ok()) {
    std::fprintf(stderr, "cannot start the job: %s\n",
                 std::string(job.status().message()).c_str());
    return 1;
  }
  std::printf("listening on %s\n", job->http_address().c_str());
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(absl::GetFlag(FLAGS_seconds)));
  job->Cancel();
  (void)job->Wait();
  OrderTotals totals = sink.Result();
  std::printf("records %lld sum_ids %lld\n", static_cast<long long>(totals.records),
              static_cast<long long>(totals.sum_ids));
  return 0;
}

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

std::atomic<int64_t> baseline_records{0};
std::atomic<int64_t> baseline_sum_ids{0};

// One connection of the baseline: read a request, parse its lines, answer, repeat.
class BaselineSession : public std::enable_shared_from_this<BaselineSession> {
 public:
  explicit BaselineSession(tcp::socket socket) : stream_(std::move(socket)) {}
  void Read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec) self->Answer();
                     });
  }

 private:
  void Answer() {
    simdjson::padded_string body(request_.body());
    std::string_view rest(body.data(), body.size());
    int64_t records = 0, sum_ids = 0;
    while (!rest.empty()) {
      size_t end = rest.find('\n');
      std::string_view line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      if (line.empty()) continue;
      Order order;
      simdjson::ondemand::document doc;
      size_t offset = static_cast<size_t>(line.data() - body.data());
      if (parser_
              .iterate(line.data(), line.size(),
                       body.size() - offset + simdjson::SIMDJSON_PADDING)
              .get(doc) != simdjson::SUCCESS) {
        continue;
      }
      int64_t id;
      std::string_view customer;
      double amount;
      if (doc["id"].get_int64().get(id) || doc["customer"].get_string().get(customer) ||
          doc["amount"].get_double().get(amount)) {
        continue;
      }
      order.id = id;
      order.customer = std::string(customer);
      order.amount = amount;
      ++records;
      sum_ids += order.id;
    }
    baseline_records += records;
    baseline_sum_ids += sum_ids;
    response_ = {http::status::accepted, 11};
    response_.set(http::field::content_type, "application/json");
    response_.body() = "{\"accepted\":" + std::to_string(records) + "}\n";
    response_.keep_alive(request_.keep_alive());
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (!ec) self->Read();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  simdjson::ondemand::parser parser_;
};

void Accept(tcp::acceptor& acceptor, boost::asio::io_context& io) {
  acceptor.async_accept(boost::asio::make_strand(io),
                        [&](beast::error_code ec, tcp::socket socket) {
                          if (!ec)
                            std::make_shared<BaselineSession>(std::move(socket))->Read();
                          Accept(acceptor, io);
                        });
}

int RunBaseline() {
  boost::asio::io_context io;
  tcp::acceptor acceptor(io,
                         tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                       static_cast<uint16_t>(absl::GetFlag(FLAGS_port))));
  Accept(acceptor, io);
  std::printf("listening on 127.0.0.1:%d\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  std::vector<std::thread> threads;
  for (int i = 0; i < absl::GetFlag(FLAGS_io_threads); ++i) {
    threads.emplace_back([&] { io.run(); });
  }
  std::this_thread::sleep_for(std::chrono::seconds(absl::GetFlag(FLAGS_seconds)));
  io.stop();
  for (auto& thread : threads) thread.join();
  std::printf("records %lld sum_ids %lld\n",
              static_cast<long long>(baseline_records.load()),
              static_cast<long long>(baseline_sum_ids.load()));
  return 0;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "The server of the HTTP ingest benchmark: --mode=engine|baseline. "
      "Run benchmarks/http_ingest/run_http_ingest.sh, which drives it with wrk and hey.");
  absl::ParseCommandLine(argc, argv);
  std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "engine") return sluice::bench::RunEngine();
  if (mode == "baseline") return sluice::bench::RunBaseline();
  std::fprintf(stderr, "--mode must be engine or baseline, not '%s'\n", mode.c_str());
  return 2;
}
