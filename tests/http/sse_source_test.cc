// SseSource against a scripted SSE server in the test (a socket loop that writes the
// bytes each test gives it and records what it was asked) and against the SseSink of
// another job: reconnects send Last-Event-ID and resume with no gap and no repeat,
// statuses are classed, a restored job resumes after the checkpointed id, and the
// parser follows the WHATWG line rules whatever the chunking.
#include "sluice/io/http/sse_source.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <ostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/io/http/sse_parser.h"
#include "sluice/sluice.h"
#include "sluice/tests/http/http_test_client.h"
#include "sluice/tests/http/scripted_server.h"
#include "sluice/tests/run_config.h"

namespace sluice {
namespace {

using testing::Exchange;
using testing::Request;
using testing::ScriptedServer;

struct Tick {
  int64_t id = 0;
  std::string name;
  bool operator==(const Tick&) const = default;
  friend void PrintTo(const Tick& t, std::ostream* os) { *os << t.id << "/" << t.name; }
};

// At parallelism 2 the collector's two instances interleave: compare sorted.
std::vector<Tick> Sorted(std::vector<Tick> ticks) {
  std::sort(ticks.begin(), ticks.end(),
            [](const Tick& a, const Tick& b) { return a.id < b.id; });
  return ticks;
}

RecordSchema<Tick> TickSchema() {
  return RecordSchema<Tick>().Field("id", &Tick::id).Field("name", &Tick::name);
}

std::string Data(int64_t id) {
  return absl::StrCat("{\"id\":", id, ",\"name\":\"n", id, "\"}");
}

std::vector<Tick> Ticks(int64_t from, int64_t to) {
  std::vector<Tick> ticks;
  for (int64_t id = from; id < to; ++id)
    ticks.push_back(Tick{id, "n" + std::to_string(id)});
  return ticks;
}

std::string StreamHead() {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: "
         "close\r\n\r\n";
}
std::string Status(int status) {
  return absl::StrCat("HTTP/1.1 ", status,
                      " X\r\nContent-Type: text/plain\r\n"
                      "Content-Length: 9\r\nConnection: close\r\n\r\nnot here!");
}

JobOptions Quiet() { return testing::QuietOptions(); }

// Runs `source` to its end (the server's 204) into a collector.
absl::StatusOr<std::vector<Tick>> RunToEnd(SseSource<Tick> source,
                                           JobOptions options = Quiet()) {
  Dataflow flow;
  CollectorSink<Tick> sink;
  flow.Source(std::move(source)).Sink(sink);
  absl::Status status = flow.Run(options);
  if (!status.ok()) return status;
  return sink.Items();
}

class SseSourceTest : public testing::RunConfigTest {};

// Five events a connection, ids 1..20, each connection cut after its five; then 204.
// Line ends vary (LF, CRLF, CR), with comments and a retry field.
TEST_P(SseSourceTest, ReconnectsSendLastEventIdAndResumeWithNoGapAndNoRepeat) {
  const char* ends[] = {"\n", "\r\n", "\r"};
  ScriptedServer server([&](const std::string& head, int n) {
    size_t at = head.find("Last-Event-ID: ");
    int64_t last = 0;
    if (at != std::string::npos) last = std::stoll(head.substr(at + 15));
    if (last >= 20) return Status(204);
    std::string body = StreamHead() + ": hello\n\nretry: 10\n\n";
    const char* eol = ends[n % 3];
    for (int64_t id = last + 1; id <= last + 5; ++id) {
      absl::StrAppend(&body, "id: ", id, eol, "data: ", Data(id - 1), eol, eol);
    }
    return body;
  });
  auto got = RunToEnd(
      SseSource<Tick>(server.url(), TickSchema())
          .Reconnect(std::chrono::milliseconds(1), std::chrono::milliseconds(20)),
      Options());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(Sorted(*got), Ticks(0, 20));
  EXPECT_THAT(server.LastEventIds(), ::testing::ElementsAre("", "5", "10", "15", "20"));
}

INSTANTIATE_TEST_SUITE_P(Configs, SseSourceTest, testing::AllRunConfigs(),
                         testing::RunConfigName);

TEST(SseSourceJobTest, UnavailableIsRetriedAndNotFoundFailsTheJob) {
  ScriptedServer flaky([](const std::string&, int n) {
    if (n < 2) return Status(503);
    if (n == 2) return StreamHead();  // an empty stream: reconnect, not a failure
    if (n == 3) return StreamHead() + "id: a\ndata: " + Data(7) + "\n\n";
    return Status(204);
  });
  auto got = RunToEnd(
      SseSource<Tick>(flaky.url(), TickSchema())
          .Reconnect(std::chrono::milliseconds(1), std::chrono::milliseconds(10)));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, Ticks(7, 8));
  EXPECT_EQ(flaky.heads().size(), 5u);

  ScriptedServer missing([](const std::string&, int) { return Status(404); });
  auto failed = RunToEnd(SseSource<Tick>(missing.url(), TickSchema()));
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(std::string(failed.status().message()),
              ::testing::HasSubstr(
                  absl::StrCat("SseSource ", missing.url(), ": HTTP 404: not here!")));
  EXPECT_EQ(missing.heads().size(), 1u) << "a 404 is not retried";
}

TEST(SseSourceJobTest, ABadEventFailsTheJobNamingItsIdOrIsSkipped) {
  ScriptedServer server([](const std::string&, int n) {
    if (n > 0) return Status(204);
    return StreamHead() + "id: 1\ndata: " + Data(1) +
           "\n\nid: 2\ndata: {\"id\":\"x\"}\n\n" + "id: 3\ndata: " + Data(3) + "\n\n";
  });
  auto failed = RunToEnd(SseSource<Tick>(server.url(), TickSchema()));
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(std::string(failed.status().message()),
              ::testing::HasSubstr("event id '2'"));
  ScriptedServer again([](const std::string&, int n) {
    if (n > 0) return Status(204);
    return StreamHead() + "id: 1\ndata: " + Data(1) +
           "\n\nid: 2\ndata: {\"id\":\"x\"}\n\n" + "id: 3\ndata: " + Data(3) + "\n\n";
  });
  auto skipped = RunToEnd(
      SseSource<Tick>(again.url(), TickSchema()).OnBadRecord(BadRecordPolicy::Skip()));
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_EQ(*skipped, (std::vector<Tick>{Tick{1, "n1"}, Tick{3, "n3"}}));
}

TEST(SseSourceJobTest, AnotherContentTypeOrAnOversizedEventFailsTheJob) {
  ScriptedServer html([](const std::string&, int) {
    return std::string(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
        "Content-Length: 2\r\n\r\nhi");
  });
  auto failed = RunToEnd(SseSource<Tick>(html.url(), TickSchema()));
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(std::string(failed.status().message()),
              ::testing::HasSubstr("not text/event-stream"));
  ScriptedServer huge([](const std::string&, int) {
    return StreamHead() + "id: 9\ndata: " + std::string(5000, 'x') + "\n\n";
  });
  auto oversized =
      RunToEnd(SseSource<Tick>(huge.url(), TickSchema()).MaxEventBytes(1000));
  ASSERT_FALSE(oversized.ok());
  EXPECT_THAT(std::string(oversized.status().message()),
              ::testing::HasSubstr("longer than 1000 bytes (event id '9')"));
}

// A running job: HttpSource /in -> SseSink /events.
class PublishingJob {
 public:
  PublishingJob() {
    Dataflow flow;
    flow.Source(HttpSource<Tick>("/in", TickSchema()))
        .Sink(SseSink<Tick>("/events", TickSchema()));
    auto job = flow.Build(Quiet());
    EXPECT_TRUE(job.ok()) << job.status();
    job_.emplace(std::move(*job));
    EXPECT_TRUE(job_->Start().ok());
    port_ = testing::PortOf(job_->http_address());
  }
  ~PublishingJob() {
    job_->Cancel();
    (void)job_->Wait();
  }
  void Post(int64_t from, int64_t to) {
    std::string body;
    for (int64_t id = from; id < to; ++id) absl::StrAppend(&body, Data(id), "\n");
    ASSERT_EQ(
        Exchange(port_, Request("POST", "/in", "application/x-ndjson", body)).status,
        202);
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/events"); }

  std::optional<Job> job_;
  int port_ = 0;
};

// A reading job: SseSource -> collector, with checkpoints in `dir`.
struct ReadingJob {
  ReadingJob(const std::string& url, const std::string& dir) {
    JobOptions options = Quiet();
    options.checkpoints.dir = dir;
    options.checkpoints.interval = std::chrono::milliseconds(50);
    options.checkpoints.restore_from = "latest";
    Dataflow flow;
    flow.Source(SseSource<Tick>(url, TickSchema())).Sink(sink);
    auto built = flow.Build(options);
    EXPECT_TRUE(built.ok()) << built.status();
    job.emplace(std::move(*built));
    EXPECT_TRUE(job->Start().ok());
  }
  // Waits until the collector holds a record with id >= `id` (or 30 s pass).
  void WaitFor(int64_t id) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto items = sink.Items();
      if (!items.empty() && items.back().id >= id) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "record " << id << " never arrived";
  }
  CollectorSink<Tick> sink;
  std::optional<Job> job;
};

TEST(SseSourceJobTest, ARestoredJobResumesAfterTheCheckpointedEventOfAnotherJobsSink) {
  std::string dir = ::testing::TempDir() + "/sse_source_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  PublishingJob publisher;
  std::vector<Tick> first;
  {
    ReadingJob reader(publisher.url(), dir);
    // The reader starts live: post markers (id -1) until one arrives.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (reader.sink.Size() == 0 && std::chrono::steady_clock::now() < deadline) {
      publisher.Post(-1, 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    publisher.Post(0, 500);
    reader.WaitFor(499);
    // A checkpoint taken after record 499 was emitted (one that started before may
    // still complete first).
    auto after = reader.job->Checkpoints().completed + 2;
    while (reader.job->Checkpoints().completed < after) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    reader.job->Cancel();  // a crash, as far as the source knows
    (void)reader.job->Wait();
    first = reader.sink.Items();
  }
  publisher.Post(500, 800);  // while no reader is connected
  ReadingJob restored(publisher.url(), dir);
  restored.WaitFor(799);
  std::vector<Tick> second = restored.sink.Items();
  // The restored job resumed right after the checkpointed event (499): the events
  // posted while no reader was connected came from the sink's replay buffer.
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(first.back().id, 499);
  EXPECT_EQ(second, Ticks(500, 800));
  std::filesystem::remove_all(dir);
}

// The parser, fed the same stream cut at every place, dispatches the same events.
TEST(SseParserTest, AnyChunkingGivesTheSameEvents) {
  std::string stream =
      "\xEF\xBB\xBF"
      "data: first\n\n: comment\r\nid: 1\r\nevent: a\r\ndata: x\r\n"
      "data:y\r\n\r\n"
      "data: no id change\n\nid\ndata: z\r\r"
      "retry: 250\nid: 7\rdata:  two spaces\n\n";
  std::vector<std::string> expected = {"||first", "1|a|x\ny", "1||no id change", "||z",
                                       "7|| two spaces"};
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    SseParser parser(1 << 10);
    std::vector<std::string> got;
    auto dispatch = [&](SseMessage& m) {
      got.push_back(absl::StrCat(m.id, "|", m.event, "|", m.data));
    };
    ASSERT_TRUE(parser.Feed(stream.substr(0, cut), dispatch));
    ASSERT_TRUE(parser.Feed(stream.substr(cut), dispatch));
    EXPECT_EQ(got, expected) << "cut at " << cut;
    EXPECT_EQ(parser.retry_ms(), 250);
    EXPECT_EQ(parser.last_event_id(), "7");
  }
}

// An id line of an event that a reconnect cut off is not the last event id: that
// event was never received, so a resume must ask for it again.
TEST(SseParserTest, TheIdOfACutOffEventIsNotCommitted) {
  SseParser parser(1 << 10);
  std::vector<std::string> got;
  auto dispatch = [&](SseMessage& m) { got.push_back(m.id + "|" + m.data); };
  ASSERT_TRUE(parser.Feed("id: 4\ndata: four\n\nid: 5\ndata: fi", dispatch));
  EXPECT_EQ(parser.last_event_id(), "4");
  parser.Reset();  // the connection dropped
  ASSERT_TRUE(parser.Feed("id: 5\ndata: five\n\n", dispatch));
  EXPECT_EQ(got, (std::vector<std::string>{"4|four", "5|five"}));
  EXPECT_EQ(parser.last_event_id(), "5");
}

}  // namespace
}  // namespace sluice
