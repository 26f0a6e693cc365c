// HttpPollSource against a scripted API server in the test: pages by Link header and
// by a next field, conditional requests answered 304, only changed rows emitted,
// cursor feeds resumed from a checkpoint with no gap and no repeat, and statuses and
// bad answers classed as documented. Expectations are written out by hand.
#include "sluice/io/http/http_poll_source.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <ostream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/sluice.h"
#include "sluice/tests/http/scripted_server.h"
#include "sluice/tests/run_config.h"

namespace sluice {
namespace {

using testing::ScriptedServer;

struct Item {
  int64_t id = 0;
  std::string name;
  bool operator==(const Item&) const = default;
  friend void PrintTo(const Item& i, std::ostream* os) { *os << i.id << "/" << i.name; }
};

RecordSchema<Item> ItemSchema() {
  return RecordSchema<Item>().Field("id", &Item::id).Field("name", &Item::name);
}

std::string Row(int64_t id, const std::string& name) {
  return absl::StrCat("{\"id\":", id, ",\"name\":\"", name, "\"}");
}
std::string Rows(int64_t from, int64_t to) {
  std::string rows;
  for (int64_t id = from; id < to; ++id) {
    absl::StrAppend(&rows, rows.empty() ? "" : ",", Row(id, "n" + std::to_string(id)));
  }
  return rows;
}
std::vector<Item> Items(int64_t from, int64_t to) {
  std::vector<Item> items;
  for (int64_t id = from; id < to; ++id) items.push_back({id, "n" + std::to_string(id)});
  return items;
}

std::string Json(const std::string& body, const std::string& headers = "") {
  return absl::StrCat("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n", headers,
                      "Content-Length: ", body.size(), "\r\nConnection: close\r\n\r\n",
                      body);
}
std::string Status(int status, const std::string& body = "nope") {
  return absl::StrCat("HTTP/1.1 ", status, " X\r\nContent-Length: ", body.size(),
                      "\r\nConnection: close\r\n\r\n", body);
}
// The request line's target ("/s?page=2").
std::string Target(const std::string& head) {
  size_t space = head.find(' ');
  return head.substr(space + 1, head.find(' ', space + 1) - space - 1);
}

// A running job: the source into a collector.
class PollJob {
 public:
  PollJob(HttpPollSource<Item> source, JobOptions options = testing::QuietOptions()) {
    Dataflow flow;
    flow.Source(std::move(source)).Sink(sink_);
    auto job = flow.Build(options);
    status_ = job.status();
    if (!job.ok()) return;
    job_.emplace(std::move(*job));
    status_ = job_->Start();
  }
  ~PollJob() { (void)Stop(); }
  absl::Status Stop() {
    if (!job_) return absl::OkStatus();
    job_->Cancel();
    absl::Status status = job_->Wait();
    job_.reset();
    return status;
  }
  // Waits until `count` records were collected (or 30 s pass), then a little more.
  std::vector<Item> WaitFor(size_t count) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (sink_.Size() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    return sink_.Items();
  }
  // The job's end status once it fails by itself (a failure ends the job).
  absl::Status WaitForFailure() {
    absl::Status status = job_->Wait();
    job_.reset();
    return status;
  }

  absl::Status status_;
  std::optional<Job> job_;
  CollectorSink<Item> sink_;
};

TEST(HttpPollSourceTest, PagesAre304WhenUnchangedAndOnlyChangedRowsAreEmitted) {
  std::atomic<int> polls{0};
  ScriptedServer server([&](const std::string& head, int) {
    std::string target = Target(head);
    if (target == "/s") {
      int poll = ++polls;
      if (poll == 2) {
        // The second poll must be conditional on the first one's validators.
        bool conditional =
            head.find("If-None-Match: \"v1\"") != std::string::npos &&
            head.find("If-Modified-Since: Mon, 07 Dec 2026 10:00:00 GMT") !=
                std::string::npos;
        return conditional ? Status(304, "") : Status(400, "not conditional");
      }
      if (poll == 1) {
        return Json(absl::StrCat("{\"items\":[", Rows(0, 3), "]}"),
                    "ETag: \"v1\"\r\nLast-Modified: Mon, 07 Dec 2026 10:00:00 GMT\r\n"
                    "Link: </s?page=2>; rel=\"next\"\r\n");
      }
      // From the third poll on: item 1 renamed, item 6 added, the rest as before.
      return Json(absl::StrCat("{\"items\":[", Row(0, "n0"), ",", Row(1, "renamed"), ",",
                               Row(2, "n2"), "]}"),
                  "ETag: \"v2\"\r\nLink: </s?page=2>; rel=\"next\"\r\n");
    }
    if (target == "/s?page=2") {
      return Json(absl::StrCat("{\"items\":[", Rows(3, 5), "],\"next\":\"?page=3\"}"));
    }
    if (target == "/s?page=3") {
      return Json(absl::StrCat("{\"items\":[", Rows(5, 6),
                               polls.load() >= 3 ? "," + Row(6, "n6") : std::string(),
                               "]}"));
    }
    return Status(404);
  });
  PollJob job(
      HttpPollSource<Item>(server.url(), ItemSchema(), std::chrono::milliseconds(30))
          .Rows("items")
          .NextPageField("next")
          .ChangedOnly("id"));
  ASSERT_TRUE(job.status_.ok()) << job.status_;
  std::vector<Item> got = job.WaitFor(8);
  while (polls.load() < 5) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  got = job.WaitFor(8);
  std::vector<Item> expected = Items(0, 6);
  expected.push_back({1, "renamed"});
  expected.push_back({6, "n6"});
  EXPECT_EQ(got, expected);
}

TEST(HttpPollSourceTest, WithoutChangedOnlyEveryPollEmitsEveryRow) {
  std::atomic<int> polls{0};
  ScriptedServer server([&](const std::string&, int) {
    ++polls;
    return Json(absl::StrCat("[", Rows(0, 3), "]"));
  });
  PollJob job(
      HttpPollSource<Item>(server.url(), ItemSchema(), std::chrono::milliseconds(20)));
  ASSERT_TRUE(job.status_.ok()) << job.status_;
  std::vector<Item> got = job.WaitFor(9);
  ASSERT_GE(got.size(), 9u);
  for (size_t i = 0; i < 9; ++i) EXPECT_EQ(got[i], Items(0, 3)[i % 3]);
}

// A feed of `size` rows: ?after=N answers rows N..N+9 and the next cursor.
std::string Feed(const std::string& head, int64_t size) {
  std::string target = Target(head);
  int64_t after = 0;
  size_t at = target.find("after=");
  if (at != std::string::npos) (void)absl::SimpleAtoi(target.substr(at + 6), &after);
  int64_t to = std::min(after + 10, size);
  return Json(absl::StrCat("{\"items\":[", Rows(after, to), "],\"next\":\"",
                           std::max(after, to), "\"}"));
}

TEST(HttpPollSourceTest, ACursorFeedResumesFromTheCheckpointedCursor) {
  std::string dir = ::testing::TempDir() + "/http_poll_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::atomic<int64_t> size{100};
  ScriptedServer server([&](const std::string& head, int) { return Feed(head, size); });
  JobOptions options = testing::QuietOptions();
  options.checkpoints.dir = dir;
  options.checkpoints.interval = std::chrono::milliseconds(50);
  options.checkpoints.restore_from = "latest";
  auto source =
      HttpPollSource<Item>(server.url(), ItemSchema(), std::chrono::milliseconds(20))
          .Rows("items")
          .Cursor("after", "next");
  {
    PollJob first(source, options);
    ASSERT_TRUE(first.status_.ok()) << first.status_;
    EXPECT_EQ(first.WaitFor(100), Items(0, 100));
    int64_t after = first.job_->Checkpoints().completed + 2;
    while (first.job_->Checkpoints().completed < after) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    (void)first.Stop();  // a crash, as far as the source knows
  }
  size = 150;
  PollJob restored(source, options);
  ASSERT_TRUE(restored.status_.ok()) << restored.status_;
  EXPECT_EQ(restored.WaitFor(50), Items(100, 150));
  (void)restored.Stop();
  std::filesystem::remove_all(dir);
}

TEST(HttpPollSourceTest, UnavailableIsRetriedAndOtherStatusesFailTheJob) {
  std::atomic<int> requests{0};
  ScriptedServer flaky([&](const std::string&, int) {
    return ++requests <= 2 ? Status(503) : Json("[" + Row(7, "n7") + "]");
  });
  PollJob recovered(
      HttpPollSource<Item>(flaky.url(), ItemSchema(), std::chrono::minutes(1))
          .Retries(std::chrono::milliseconds(1), std::chrono::milliseconds(10)));
  EXPECT_EQ(recovered.WaitFor(1), (std::vector<Item>{{7, "n7"}}));

  ScriptedServer missing(
      [](const std::string&, int) { return Status(404, "no such list"); });
  PollJob failed(
      HttpPollSource<Item>(missing.url(), ItemSchema(), std::chrono::seconds(1)));
  absl::Status status = failed.WaitForFailure();
  EXPECT_THAT(std::string(status.message()),
              ::testing::HasSubstr(missing.url() + ": HTTP 404: no such list"));

  ScriptedServer html([](const std::string&, int) { return Json("<html>"); });
  PollJob not_json(
      HttpPollSource<Item>(html.url(), ItemSchema(), std::chrono::seconds(1)));
  EXPECT_THAT(std::string(not_json.WaitForFailure().message()),
              ::testing::HasSubstr("the answer is not JSON: <html>"));

  ScriptedServer object([](const std::string&, int) { return Json("{\"items\":5}"); });
  PollJob not_array(
      HttpPollSource<Item>(object.url(), ItemSchema(), std::chrono::seconds(1))
          .Rows("items"));
  EXPECT_THAT(std::string(not_array.WaitForFailure().message()),
              ::testing::HasSubstr("'items' is not a JSON array"));
}

TEST(HttpPollSourceTest, ABadRowFailsTheJobNamingItOrIsSkipped) {
  ScriptedServer server([](const std::string&, int) {
    return Json("[" + Row(1, "a") + ",{\"id\":\"x\"}," + Row(3, "c") + "]");
  });
  PollJob failed(
      HttpPollSource<Item>(server.url(), ItemSchema(), std::chrono::seconds(5)));
  EXPECT_THAT(std::string(failed.WaitForFailure().message()),
              ::testing::HasSubstr(": row 2: "));
  PollJob skipped(
      HttpPollSource<Item>(server.url(), ItemSchema(), std::chrono::seconds(5))
          .OnBadRecord(BadRecordPolicy::Skip()));
  EXPECT_EQ(skipped.WaitFor(2), (std::vector<Item>{{1, "a"}, {3, "c"}}));
}

TEST(HttpPollSourceTest, ContradictoryOptionsFailTheBuild) {
  auto source =
      HttpPollSource<Item>("http://127.0.0.1:1/x", ItemSchema(), std::chrono::seconds(1));
  PollJob both(source.Cursor("after", "next").ChangedOnly("id"));
  EXPECT_THAT(std::string(both.status_.message()),
              ::testing::HasSubstr("does not combine with ChangedOnly"));
  PollJob unknown(source.ChangedOnly("sku"));
  EXPECT_THAT(std::string(unknown.status_.message()),
              ::testing::HasSubstr("ChangedOnly's key 'sku' is not a field"));
}

}  // namespace
}  // namespace sluice
