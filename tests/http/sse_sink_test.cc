// SseSink in running jobs (HttpSource -> SseSink), at parallelism 1 and 2 with re-cut
// batches, read by a test client that parses the stream itself and by curl: every
// record reaches every client once in id order, a reconnect with Last-Event-ID has no
// gap and no repeat, a client that stops reading is cut off while the others get
// everything, and idle streams get keepalive comments.
#include "sluice/io/http/sse_sink.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/sluice.h"
#include "sluice/tests/http/http_test_client.h"
#include "sluice/tests/http/sse_test_client.h"
#include "sluice/tests/run_config.h"

namespace sluice {
namespace {

using testing::Curl;
using testing::Exchange;
using testing::Request;
using testing::RunConfigTest;
using testing::SseClient;
using testing::SseEvent;

struct Tick {
  int64_t id = 0;
  std::string name;
};

RecordSchema<Tick> TickSchema() {
  return RecordSchema<Tick>().Field("id", &Tick::id).Field("name", &Tick::name);
}

// The event data the sink must send for record `id`, written out by hand.
std::string ExpectedData(int64_t id) {
  return absl::StrCat("{\"id\":", id, ",\"name\":\"n", id, "\"}");
}

std::string Body(int64_t from, int64_t to) {
  std::string body;
  for (int64_t id = from; id < to; ++id) absl::StrAppend(&body, ExpectedData(id), "\n");
  return body;
}

// A running job: HttpSource /in -> SseSink /events.
class SseJob {
 public:
  SseJob(SseSink<Tick> sink, JobOptions options) {
    Dataflow flow;
    flow.Source(HttpSource<Tick>("/in", TickSchema())).Sink(std::move(sink));
    auto job = flow.Build(options);
    status_ = job.status();
    if (!job.ok()) return;
    job_.emplace(std::move(*job));
    status_ = job_->Start();
    if (status_.ok()) port_ = testing::PortOf(job_->http_address());
  }
  ~SseJob() { Stop(); }
  void Stop() {
    if (!job_) return;
    job_->Cancel();
    (void)job_->Wait();
    job_.reset();
  }
  void Post(int64_t from, int64_t to) {
    auto response =
        Exchange(port_, Request("POST", "/in", "application/x-ndjson", Body(from, to)));
    ASSERT_EQ(response.status, 202) << response.body;
  }

  absl::Status status_;
  std::optional<Job> job_;
  int port_ = 0;
};

// The number after the last '-' of an event id.
int64_t NumberOf(const std::string& id) {
  int64_t number = -1;
  (void)absl::SimpleAtoi(id.substr(id.rfind('-') + 1), &number);
  return number;
}

// Reads `count` events; fails the test if they do not come.
std::vector<SseEvent> ReadEvents(SseClient& client, size_t count) {
  std::vector<SseEvent> events;
  while (events.size() < count) {
    std::optional<SseEvent> event = client.Next();
    if (!event) {
      ADD_FAILURE() << "only " << events.size() << " of " << count << " events arrived";
      break;
    }
    events.push_back(*event);
  }
  return events;
}

// Event ids run from `first` up by one, all of one run; the data are exactly the
// records `ids` (in order at parallelism 1, as a set otherwise).
void ExpectEvents(const std::vector<SseEvent>& events, int64_t first,
                  std::vector<int64_t> ids, bool ordered) {
  ASSERT_EQ(events.size(), ids.size());
  std::string run = events.empty() ? "" : events[0].id.substr(0, events[0].id.rfind('-'));
  std::vector<std::string> data;
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].id, absl::StrCat(run, "-", first + static_cast<int64_t>(i)));
    data.push_back(events[i].data);
  }
  std::vector<std::string> expected;
  for (int64_t id : ids) expected.push_back(ExpectedData(id));
  if (!ordered) {
    std::sort(data.begin(), data.end());
    std::sort(expected.begin(), expected.end());
  }
  EXPECT_EQ(data, expected);
}

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> ids;
  for (int64_t id = from; id < to; ++id) ids.push_back(id);
  return ids;
}

class SseSinkTest : public RunConfigTest {
 protected:
  bool Ordered() const { return GetParam().parallelism == 1; }
};

TEST_P(SseSinkTest, TwoClientsSeeEveryRecordOnceInIdOrder) {
  SseJob job(SseSink<Tick>("/events", TickSchema()), Options());
  ASSERT_TRUE(job.status_.ok()) << job.status_;
  SseClient a(job.port_, "/events");
  SseClient b(job.port_, "/events");
  ASSERT_EQ(a.ReadHead(), 200);
  ASSERT_EQ(b.ReadHead(), 200);
  EXPECT_THAT(a.head(), ::testing::HasSubstr("Content-Type: text/event-stream"));
  for (int i = 0; i < 3; ++i) job.Post(i * 100, (i + 1) * 100);
  ExpectEvents(ReadEvents(a, 300), 1, Range(0, 300), Ordered());
  ExpectEvents(ReadEvents(b, 300), 1, Range(0, 300), Ordered());
  EXPECT_FALSE(a.Next(std::chrono::milliseconds(100))) << "an event beyond the 300";
}

TEST_P(SseSinkTest, AReconnectWithLastEventIdHasNoGapAndNoRepeat) {
  SseJob job(SseSink<Tick>("/events", TickSchema()), Options());
  ASSERT_TRUE(job.status_.ok()) << job.status_;
  auto first = std::make_unique<SseClient>(job.port_, "/events");
  ASSERT_EQ(first->ReadHead(), 200);
  job.Post(0, 100);
  std::vector<SseEvent> before = ReadEvents(*first, 40);
  ASSERT_EQ(before.size(), 40u);
  first.reset();  // gone after 40 of 100
  job.Post(100, 200);
  SseClient again(job.port_, "/events", before.back().id);
  ASSERT_EQ(again.ReadHead(), 200);
  job.Post(200, 250);
  std::vector<SseEvent> after = ReadEvents(again, 210);
  ASSERT_EQ(after.size(), 210u);
  EXPECT_EQ(NumberOf(after.front().id), 41);
  std::vector<SseEvent> all = before;
  all.insert(all.end(), after.begin(), after.end());
  ExpectEvents(all, 1, Range(0, 250), Ordered());
  EXPECT_FALSE(again.Next(std::chrono::milliseconds(100))) << "an event repeated";
}

INSTANTIATE_TEST_SUITE_P(Configs, SseSinkTest, testing::AllRunConfigs(),
                         testing::RunConfigName);

TEST(SseSinkJobTest, AClientThatStopsReadingIsCutOffAndTheOthersGetEverything) {
  SseJob job(SseSink<Tick>("/events", TickSchema())
                 .ReplayBuffer(100, 16 << 10)
                 .ClientBuffer(1 << 20),
             testing::QuietOptions());
  ASSERT_TRUE(job.status_.ok()) << job.status_;
  SseClient stalled(job.port_, "/events", "", /*receive_buffer=*/4096);
  SseClient reader(job.port_, "/events");
  ASSERT_EQ(stalled.ReadHead(), 200);
  ASSERT_EQ(reader.ReadHead(), 200);
  // 200,000 events of about 25 bytes: 5 MB, past the stalled client's 1 MiB and
  // whatever its socket buffers hold. Posts wait for the reader to be at most two
  // bodies behind, so it never nears its own bound, however slow this machine is.
  constexpr int64_t kCount = 200000;
  constexpr int64_t kPerPost = 1000;
  std::atomic<int64_t> received{0};
  std::future<std::vector<SseEvent>> read = std::async(std::launch::async, [&] {
    std::vector<SseEvent> events;
    while (events.size() < static_cast<size_t>(kCount)) {
      std::optional<SseEvent> event = reader.Next();
      if (!event) break;
      events.push_back(*event);
      received.store(static_cast<int64_t>(events.size()));
    }
    return events;
  });
  for (int64_t from = 0; from < kCount; from += kPerPost) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (received.load() < from - 2 * kPerPost &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    job.Post(from, from + kPerPost);
  }
  ExpectEvents(read.get(), 1, Range(0, kCount), /*ordered=*/true);
  // The stalled client now reads what reached it before the cut, then the end.
  size_t skipped = 0;
  EXPECT_TRUE(stalled.EndsWithin(std::chrono::seconds(10), &skipped));
  EXPECT_LT(skipped, static_cast<size_t>(kCount));
}

TEST(SseSinkJobTest, AnIdleStreamGetsKeepaliveComments) {
  SseJob job(
      SseSink<Tick>("/events", TickSchema()).KeepAlive(std::chrono::milliseconds(100)),
      testing::QuietOptions());
  ASSERT_TRUE(job.status_.ok()) << job.status_;
  SseClient client(job.port_, "/events");
  ASSERT_EQ(client.ReadHead(), 200);
  EXPECT_FALSE(client.Next(std::chrono::milliseconds(700)));
  EXPECT_GE(client.comments(), 3);
  job.Post(0, 1);
  std::optional<SseEvent> event = client.Next();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->data, ExpectedData(0));
}

TEST(SseSinkJobTest, AnIdTheBufferNoLongerHoldsGetsAGapEventThenTheBuffer) {
  SseJob job(
      SseSink<Tick>("/events", TickSchema()).EventName("tick").ReplayBuffer(5, 1 << 20),
      testing::QuietOptions());
  ASSERT_TRUE(job.status_.ok()) << job.status_;
  SseClient first(job.port_, "/events");
  ASSERT_EQ(first.ReadHead(), 200);
  job.Post(0, 10);
  std::vector<SseEvent> events = ReadEvents(first, 10);
  ASSERT_EQ(events.size(), 10u);
  EXPECT_EQ(events[0].event, "tick");
  std::string run = events[0].id.substr(0, events[0].id.rfind('-'));

  // Event 2 was seen; 3, 4 and 5 fell out of the buffer (it holds 6..10).
  SseClient late(job.port_, "/events", run + "-2");
  ASSERT_EQ(late.ReadHead(), 200);
  std::vector<SseEvent> replay = ReadEvents(late, 6);
  ASSERT_EQ(replay.size(), 6u);
  EXPECT_EQ(replay[0].event, "sluice-gap");
  EXPECT_EQ(replay[0].data, "{\"missed\":3}");
  EXPECT_EQ(replay[1].id, run + "-6");
  EXPECT_EQ(replay[5].data, ExpectedData(9));

  // An id of another run (a job that ran before this one): the gap is unknown.
  SseClient other(job.port_, "/events", "0123456789-7");
  ASSERT_EQ(other.ReadHead(), 200);
  std::vector<SseEvent> whole = ReadEvents(other, 6);
  ASSERT_EQ(whole.size(), 6u);
  EXPECT_EQ(whole[0].data, "{\"missed\":null}");
  EXPECT_EQ(whole[1].id, run + "-6");
}

TEST(SseSinkJobTest, BadRequestsGetClearStatuses) {
  SseJob job(SseSink<Tick>("/events", TickSchema()), testing::QuietOptions());
  ASSERT_TRUE(job.status_.ok()) << job.status_;
  auto bad_id = Exchange(job.port_,
                         "GET /events HTTP/1.1\r\nHost: x\r\n"
                         "Last-Event-ID: not-an-id\r\n\r\n");
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_THAT(bad_id.body, ::testing::HasSubstr("Last-Event-ID 'not-an-id'"));
  EXPECT_EQ(Exchange(job.port_, Request("POST", "/events", "text/plain", "x")).status,
            405);
}

TEST(SseSinkJobTest, CurlReadsTheStream) {
  SseJob job(SseSink<Tick>("/events", TickSchema()), testing::QuietOptions());
  ASSERT_TRUE(job.status_.ok()) << job.status_;
  std::string url = absl::StrCat("http://127.0.0.1:", job.port_, "/events");
  auto curl =
      std::async(std::launch::async, [&] { return Curl("-N --max-time 2", url); });
  // curl connects some time during the first posts: post one record every 100 ms
  // and check that what it got are whole events, one record each.
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    job.Post(i, i + 1);
  }
  testing::CurlResult result = curl.get();
  EXPECT_EQ(result.status, 200);
  // Every event curl received is a whole, well-formed event of one record.
  std::set<std::string> data;
  std::vector<std::string> lines = absl::StrSplit(result.body, '\n');
  for (const std::string& line : lines) {
    if (absl::StartsWith(line, "data: ")) data.insert(line.substr(6));
  }
  EXPECT_GE(data.size(), 5u);
  for (const std::string& d : data)
    EXPECT_THAT(d, ::testing::MatchesRegex("\\{\"id\":[0-9],\"name\":\"n[0-9]\"\\}"));
}

TEST(SseSinkJobTest, TheEndOfTheJobEndsTheStreams) {
  SseJob job(SseSink<Tick>("/events", TickSchema()), testing::QuietOptions());
  ASSERT_TRUE(job.status_.ok()) << job.status_;
  SseClient client(job.port_, "/events");
  ASSERT_EQ(client.ReadHead(), 200);
  job.Post(0, 3);
  EXPECT_EQ(ReadEvents(client, 3).size(), 3u);
  auto start = std::chrono::steady_clock::now();
  job.Stop();
  EXPECT_TRUE(client.EndsWithin(std::chrono::seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(SseSinkJobTest, AClientBufferSmallerThanTheReplayBufferFailsTheBuild) {
  SseJob job(SseSink<Tick>("/events", TickSchema())
                 .ReplayBuffer(10, 1 << 20)
                 .ClientBuffer(1 << 16),
             testing::QuietOptions());
  EXPECT_EQ(job.status_.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(job.status_.message()),
              ::testing::HasSubstr("SseSink /events: ClientBuffer (65536 bytes)"));
}

}  // namespace
}  // namespace sluice
