// HttpSink against a receiver in the test that misbehaves on purpose (500s, 429 with
// Retry-After, answers slower than the sink's timeout, a port nobody listens on yet,
// permanent 4xx), at parallelism 1 and 2 with re-cut batches. The receiver's record
// of what it was sent is checked against the records the test generated.
#include "sluice/io/http/http_sink.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/io/http/http_server.h"
#include "sluice/sluice.h"
#include "sluice/tests/http/scripted_server.h"
#include "sluice/tests/run_config.h"

namespace sluice {
namespace {

using testing::RunConfigTest;

struct Alert {
  int64_t id = 0;
  std::string note;
};

RecordSchema<Alert> AlertSchema() {
  return RecordSchema<Alert>().Field("id", &Alert::id).Field("note", &Alert::note);
}

std::vector<Alert> Alerts(int64_t n) {
  std::vector<Alert> out;
  for (int64_t id = 0; id < n; ++id)
    out.push_back(Alert{id, "note \"" + std::to_string(id) + "\""});
  return out;
}

// The ids in a JSON-lines or JSON-array body, read with a scan of `"id":` written
// here, not by sluice's decoder.
std::vector<int64_t> IdsIn(const std::string& body) {
  std::vector<int64_t> ids;
  for (size_t at = body.find("\"id\":"); at != std::string::npos;
       at = body.find("\"id\":", at + 1)) {
    size_t end = body.find_first_of(",}", at);
    int64_t id = -1;
    (void)absl::SimpleAtoi(body.substr(at + 5, end - at - 5), &id);
    ids.push_back(id);
  }
  return ids;
}

// A webhook receiver. `behave(n, key, body)` answers request n (from 0); nullopt: 200.
class Receiver {
 public:
  using Behave = std::function<std::optional<HttpResponse>(int, const std::string&,
                                                           const std::string&)>;
  explicit Receiver(Behave behave = nullptr, std::string listen = "127.0.0.1:0")
      : behave_(std::move(behave)) {
    HttpServerOptions options;
    options.listen = listen;
    options.io_threads = 16;  // a slow answer holds one; the sinks have up to 8 in flight
    server_ = std::move(*HttpServer::Start(options));
    HttpRoute route;
    route.methods = {"POST"};
    route.handler = [this](HttpRequest& request) { return Handle(request); };
    (void)server_->routes().Add("/hook", route);
  }
  // The server first: its threads write into the members below.
  ~Receiver() { server_->Stop(); }
  std::string url() const { return "http://" + server_->address() + "/hook"; }

  struct Got {
    std::string key;
    std::string body;
    std::string content_type;
    int status;
    std::chrono::steady_clock::time_point at;
  };
  std::vector<Got> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // Ids of the bodies answered 2xx, one entry per delivery.
  std::multiset<int64_t> Delivered() const {
    std::multiset<int64_t> ids;
    for (const Got& got : requests()) {
      if (got.status / 100 != 2) continue;
      for (int64_t id : IdsIn(got.body)) ids.insert(id);
    }
    return ids;
  }
  // Ids as a receiver that drops repeated keys would take them.
  std::multiset<int64_t> DeliveredOncePerKey() const {
    std::multiset<int64_t> ids;
    std::set<std::string> seen;
    for (const Got& got : requests()) {
      if (got.status / 100 != 2 || !seen.insert(got.key).second) continue;
      for (int64_t id : IdsIn(got.body)) ids.insert(id);
    }
    return ids;
  }
  // Waits until `count` ids were delivered (or 30 s).
  void WaitFor(size_t count) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (Delivered().size() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

 private:
  HttpResponse Handle(HttpRequest& request) {
    int n;
    {
      std::lock_guard lock(mutex_);
      n = next_++;
    }
    std::string key(request.Header("idempotency-key"));
    std::optional<HttpResponse> answer =
        behave_ ? behave_(n, key, request.body) : std::nullopt;
    HttpResponse response = answer ? *answer : HttpResponse::Json(200, "{}");
    std::lock_guard lock(mutex_);
    requests_.push_back(Got{key, request.body,
                            std::string(request.Header("content-type")), response.status,
                            std::chrono::steady_clock::now()});
    return response;
  }

  Behave behave_;
  std::unique_ptr<HttpServer> server_;
  mutable std::mutex mutex_;
  int next_ = 0;
  std::vector<Got> requests_;
};

std::multiset<int64_t> Range(int64_t n) {
  std::multiset<int64_t> ids;
  for (int64_t id = 0; id < n; ++id) ids.insert(id);
  return ids;
}

class HttpSinkTest : public RunConfigTest {};

TEST_P(HttpSinkTest, DeliversEveryRecordOnceToAWellBehavedReceiver) {
  Receiver receiver;
  Dataflow flow;
  flow.Source(CollectionSource(Alerts(1000)))
      .Sink(HttpSink(receiver.url(), AlertSchema())
                .Batch(37, 1 << 20, std::chrono::milliseconds(0)));
  ASSERT_TRUE(flow.Run(Options()).ok());
  EXPECT_EQ(receiver.Delivered(), Range(1000));
  std::set<std::string> keys;
  for (const auto& got : receiver.requests()) {
    EXPECT_TRUE(keys.insert(got.key).second) << "key used twice: " << got.key;
    EXPECT_EQ(got.content_type, "application/x-ndjson");
    EXPECT_LE(IdsIn(got.body).size(), 37u);
  }
}

TEST_P(HttpSinkTest, AMisbehavingReceiverStillGetsEveryRecord) {
  // 500, 429 and an answer slower than the sink's timeout, in turn; each retried.
  Receiver receiver(
      [](int n, const std::string&, const std::string&) -> std::optional<HttpResponse> {
        switch (n % 5) {
          case 1:
            return HttpResponse::Error(500, "down");
          case 2: {
            HttpResponse busy = HttpResponse::Error(429, "slow down");
            busy.headers.emplace_back("Retry-After", "0");
            return busy;
          }
          case 3:
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            return std::nullopt;  // too late: the sink gave up on this try
          default:
            return std::nullopt;
        }
      });
  Dataflow flow;
  flow.Source(CollectionSource(Alerts(500)))
      .Sink(
          HttpSink(receiver.url(), AlertSchema())
              .Batch(20, 1 << 20, std::chrono::milliseconds(0))
              .Timeout(std::chrono::milliseconds(100))
              .Retries(50, std::chrono::milliseconds(1), std::chrono::milliseconds(20)));
  absl::Status status = flow.Run(Options());
  ASSERT_TRUE(status.ok()) << status;
  // At least once: everything arrived; a receiver that drops repeated keys has each
  // record once, because a repeated key always carries the same records.
  std::multiset<int64_t> delivered = receiver.Delivered();
  EXPECT_EQ(std::set<int64_t>(delivered.begin(), delivered.end()).size(), 500u);
  EXPECT_EQ(receiver.DeliveredOncePerKey(), Range(500));
  std::map<std::string, std::string> body_of_key;
  for (const auto& got : receiver.requests()) {
    auto [it, added] = body_of_key.emplace(got.key, got.body);
    EXPECT_EQ(it->second, got.body) << "key " << got.key << " with another body";
  }
  EXPECT_GT(receiver.requests().size(), body_of_key.size());  // there were retries
}

TEST_P(HttpSinkTest, PermanentFailuresAreDeadLetteredExactly) {
  std::string dead = ::testing::TempDir() + "/http_sink_dead_" +
                     std::to_string(getpid()) + "_" +
                     std::to_string(GetParam().parallelism) + "_" +
                     std::to_string(GetParam().batch_size) + ".jsonl";
  auto policy = BadRecordPolicy::DeadLetter(dead);
  Receiver receiver([](int, const std::string&,
                       const std::string& body) -> std::optional<HttpResponse> {
    if (IdsIn(body).at(0) % 10 == 0) return HttpResponse::Error(422, "bad alert");
    return std::nullopt;
  });
  Dataflow flow;
  flow.Source(CollectionSource(Alerts(200)))
      .Sink(HttpSink(receiver.url(), AlertSchema())
                .WithFormat(HttpSink<Alert>::Format::kOneRecordPerRequest)
                .OnFailure(policy));
  ASSERT_TRUE(flow.Run(Options()).ok());
  std::multiset<int64_t> expected;
  for (int64_t id = 0; id < 200; ++id) {
    if (id % 10 != 0) expected.insert(id);
  }
  EXPECT_EQ(receiver.Delivered(), expected);
  EXPECT_EQ(policy.counts().dead_lettered(), 20u);
  std::ifstream in(dead);
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    EXPECT_THAT(line, ::testing::HasSubstr("HTTP 422 after 1 tries"));
    EXPECT_THAT(line, ::testing::HasSubstr("bad alert"));
  }
  EXPECT_EQ(lines, 20);
  for (const auto& got : receiver.requests())
    EXPECT_EQ(got.content_type, "application/json");
}

TEST_P(HttpSinkTest, JsonArrayBodies) {
  Receiver receiver;
  Dataflow flow;
  flow.Source(CollectionSource(Alerts(100)))
      .Sink(HttpSink(receiver.url(), AlertSchema())
                .WithFormat(HttpSink<Alert>::Format::kJsonArray)
                .Batch(30, 1 << 20, std::chrono::milliseconds(0)));
  ASSERT_TRUE(flow.Run(Options()).ok());
  EXPECT_EQ(receiver.Delivered(), Range(100));
  for (const auto& got : receiver.requests()) {
    EXPECT_EQ(got.body.front(), '[');
    EXPECT_EQ(got.body.back(), ']');
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, HttpSinkTest, testing::AllRunConfigs(),
                         testing::RunConfigName);

TEST(HttpSinkJobTest, ARejectingReceiverFailsTheJobNamingTheStatus) {
  Receiver receiver([](int, const std::string&, const std::string&) {
    return std::optional<HttpResponse>(HttpResponse::Error(404, "no such hook"));
  });
  Dataflow flow;
  flow.Source(CollectionSource(Alerts(10))).Sink(HttpSink(receiver.url(), AlertSchema()));
  absl::Status status = flow.Run(testing::QuietOptions());
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("was not delivered"));
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("HTTP 404"));
}

TEST(HttpSinkJobTest, RetriesUntilTheReceiverIsUpAndHonoursRetryAfter) {
  // The receiver starts after the job, on a port the test reserves; before that the
  // sink's connections are refused and retried.
  int port;
  {
    Receiver probe;
    port = std::stoi(probe.url().substr(17, probe.url().find('/', 17) - 17));
  }
  std::atomic<bool> asked_to_wait{false};
  std::unique_ptr<Receiver> receiver;
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    receiver = std::make_unique<Receiver>(
        [&](int, const std::string&, const std::string&) -> std::optional<HttpResponse> {
          if (asked_to_wait.exchange(true)) return std::nullopt;
          HttpResponse busy = HttpResponse::Error(503, "busy");
          busy.headers.emplace_back("Retry-After", "1");
          return busy;
        },
        "127.0.0.1:" + std::to_string(port));
  });
  Dataflow flow;
  flow.Source(CollectionSource(Alerts(5)))
      .Sink(HttpSink("http://127.0.0.1:" + std::to_string(port) + "/hook", AlertSchema())
                .Retries(100, std::chrono::milliseconds(5), std::chrono::milliseconds(20))
                // The receiver's server is up a moment before its route is added.
                .RetryStatus(404));
  absl::Status status = flow.Run(testing::QuietOptions());
  late.join();
  ASSERT_TRUE(status.ok()) << status;
  auto got = receiver->requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].status, 503);
  EXPECT_EQ(got[1].key, got[0].key);
  EXPECT_GE(got[1].at - got[0].at, std::chrono::milliseconds(950));  // Retry-After: 1
  EXPECT_EQ(receiver->Delivered(), Range(5));
}

// A receiver on plain sockets that resets every third connection (RST after reading
// the request) and closes every fifth without an answer: both are "no answer", which
// is retried, so every record still arrives.
TEST(HttpSinkJobTest, ConnectionResetsAreRetriedAndNothingIsLost) {
  std::mutex mutex;
  std::set<int64_t> delivered;
  testing::ScriptedServer server([&](const std::string& request, int n) -> std::string {
    if (n % 3 == 1) return testing::ScriptedServer::kReset;
    if (n % 5 == 2) return std::string();  // closed with no answer
    std::lock_guard lock(mutex);
    for (int64_t id : IdsIn(request.substr(request.find("\r\n\r\n") + 4))) {
      delivered.insert(id);
    }
    return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  });
  Dataflow flow;
  // Small bodies: curl sends bigger ones with Expect: 100-continue, which this
  // one-shot server does not answer.
  flow.Source(CollectionSource(Alerts(200)))
      .Sink(
          HttpSink(server.url("/hook"), AlertSchema())
              .Batch(5, 1 << 20, std::chrono::milliseconds(0))
              .Retries(50, std::chrono::milliseconds(1), std::chrono::milliseconds(10)));
  absl::Status status = flow.Run(testing::QuietOptions());
  ASSERT_TRUE(status.ok()) << status;
  std::lock_guard lock(mutex);
  EXPECT_EQ(delivered.size(), 200u);
  EXPECT_EQ(*delivered.begin(), 0);
  EXPECT_EQ(*delivered.rbegin(), 199);
  EXPECT_GT(server.heads().size(), 40u + 40u / 2) << "no connection was reset";
}

TEST(HttpSinkJobTest, ACheckpointWaitsForOutstandingRequests) {
  std::atomic<bool> open{false};
  Receiver receiver(
      [&](int, const std::string&, const std::string&) -> std::optional<HttpResponse> {
        if (open.load()) return std::nullopt;
        return HttpResponse::Error(503, "not yet");
      });
  std::string dir =
      ::testing::TempDir() + "/http_sink_checkpoints_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  JobOptions options = testing::QuietOptions();
  options.checkpoints.dir = dir;
  options.checkpoints.interval = std::chrono::milliseconds(20);
  Dataflow flow;
  flow.Source(GeneratorSource([](uint64_t i) {
                return Alert{static_cast<int64_t>(i), "n"};
              })
                  .Count(300)
                  .RatePerSecond(1000))
      .Sink(HttpSink(receiver.url(), AlertSchema())
                .Retries(1000, std::chrono::milliseconds(5),
                         std::chrono::milliseconds(10)));
  auto job = flow.Build(options);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_TRUE(job->Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(job->Checkpoints().completed, 0) << "a checkpoint completed while the "
                                                "receiver had accepted nothing";
  EXPECT_TRUE(receiver.Delivered().empty());
  open = true;
  ASSERT_TRUE(job->Wait().ok());
  EXPECT_GE(job->Checkpoints().completed, 1);
  std::multiset<int64_t> delivered = receiver.Delivered();
  EXPECT_EQ(std::set<int64_t>(delivered.begin(), delivered.end()).size(), 300u);
  std::filesystem::remove_all(dir);
}

TEST(HttpSinkJobTest, ARestoreSendsTheSameKeysWithTheSameRecords) {
  Receiver receiver;
  std::string dir =
      ::testing::TempDir() + "/http_sink_restore_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  JobOptions options = testing::QuietOptions();
  options.checkpoints.dir = dir;
  options.checkpoints.interval = std::chrono::milliseconds(150);
  options.checkpoints.restore_from = "latest";
  auto build = [&] {
    Dataflow flow;
    flow.Source(GeneratorSource([](uint64_t i) {
                  return Alert{static_cast<int64_t>(i), "n" + std::to_string(i)};
                })
                    .Count(3000)
                    .RatePerSecond(4000))
        .Sink(HttpSink(receiver.url(), AlertSchema())
                  .Batch(10, 1 << 20, std::chrono::minutes(10)));  // cut by count only
    return flow.Build(options);
  };
  {
    auto first = build();
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(first->Start().ok());
    while (first->Checkpoints().completed < 2 || receiver.Delivered().size() < 1200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    first->Cancel();  // a crash, as far as the sink knows: no final checkpoint
    (void)first->Wait();
  }
  size_t before_restore = receiver.requests().size();
  auto second = build();
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->Run().ok());
  std::map<std::string, std::string> body_of_key;
  int repeated = 0;
  for (const auto& got : receiver.requests()) {
    auto [it, added] = body_of_key.emplace(got.key, got.body);
    if (!added) {
      ++repeated;
      EXPECT_EQ(it->second, got.body) << "key " << got.key << " with other records";
    }
  }
  EXPECT_GT(repeated, 0) << "the restore re-sent nothing: the test proved nothing";
  EXPECT_GT(receiver.requests().size(), before_restore);
  EXPECT_EQ(receiver.DeliveredOncePerKey().size() >= 3000, true);
  std::multiset<int64_t> delivered = receiver.Delivered();
  EXPECT_EQ(std::set<int64_t>(delivered.begin(), delivered.end()).size(), 3000u);
  std::filesystem::remove_all(dir);
}

TEST(HttpSinkJobTest, BadOptionsFailTheBuild) {
  Dataflow flow;
  flow.Source(CollectionSource(Alerts(1))).Sink(HttpSink("ftp://x", AlertSchema()));
  auto job = flow.Build(testing::QuietOptions());
  ASSERT_FALSE(job.ok());
  EXPECT_THAT(std::string(job.status().message()), ::testing::HasSubstr("http://"));
}

}  // namespace
}  // namespace sluice
