// Durable HTTP ingest under SIGKILL: a job (HttpSource::Durable -> exactly-once
// LogSink, with checkpoints) is killed at random moments and restarted from its latest
// checkpoint, at parallelism 1 or 2 in turn, while a client posts requests of 50
// records, each with its own Idempotency-Key, and repeats each until it gets a 2xx
// (connections refused or reset while the job is down). At the end every record of
// every request is in the output topic exactly once: acknowledged records survive
// the kills, and a request repeated after its records were stored is not stored again.
//
//   sluice_http_crash_test --work=/tmp/http_crash --kills=5 --requests=400
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/log/log_chunk.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/sluice.h"
#include "sluice/tests/http/http_test_client.h"

ABSL_FLAG(std::string, work, "",
          "Directory for the topics and checkpoints (emptied first).");
ABSL_FLAG(int, kills, 5, "SIGKILLs at random moments while the client posts.");
ABSL_FLAG(int, requests, 400, "Requests of 50 records the client posts.");
ABSL_FLAG(uint64_t, seed, 1, "Seed for kill times.");
// Internal: what a child process runs.
ABSL_FLAG(bool, run_job, false, "(internal) run the job");
ABSL_FLAG(int, port, 0, "(internal) the port the job listens on");
ABSL_FLAG(int, parallelism, 1, "(internal) the child job's parallelism");

namespace {

namespace fs = std::filesystem;
constexpr int kRecordsPerRequest = 50;

struct Order {
  int64_t id = 0;
  std::string customer;
};

std::string LogDir() { return absl::GetFlag(FLAGS_work) + "/log"; }

int RunJob() {
  sluice::Dataflow flow;
  flow.Source(sluice::HttpSource("/orders", sluice::RecordSchema<Order>()
                                                .Field("id", &Order::id)
                                                .Field("customer", &Order::customer))
                  .Durable(LogDir(), "ingest"))
      .Sink(sluice::LogSink<Order>(LogDir(), "out", [](const Order& order) {
        sluice::LogMessage record;
        record.value = absl::StrCat(order.id);
        return record;
      }));
  sluice::JobOptions options;
  options.parallelism = absl::GetFlag(FLAGS_parallelism);
  options.threads = 2;
  options.http.listen = absl::StrCat("127.0.0.1:", absl::GetFlag(FLAGS_port));
  options.checkpoints.dir = absl::GetFlag(FLAGS_work) + "/checkpoints";
  options.checkpoints.interval = std::chrono::milliseconds(50);
  options.checkpoints.restore_from = "latest";
  // A kill during the very first checkpoint leaves only an incomplete one; starting
  // from scratch is then right (nothing was committed). Once one completes, "latest"
  // restores it.
  options.checkpoints.allow_start_from_scratch = true;
  absl::Status status = flow.Run(options);
  std::fprintf(stderr, "job ended: %s\n", status.ToString().c_str());
  return status.ok() ? 0 : 1;
}

pid_t StartChild(int port, int parallelism) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  std::string work = "--work=" + absl::GetFlag(FLAGS_work);
  std::string port_flag = absl::StrCat("--port=", port);
  std::string par = absl::StrCat("--parallelism=", parallelism);
  execl("/proc/self/exe", "sluice_http_crash_test", "--run_job", work.c_str(),
        port_flag.c_str(), par.c_str(), static_cast<char*>(nullptr));
  std::perror("exec");
  _exit(127);
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t length = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  close(fd);
  return ntohs(addr.sin_port);
}

// The ids in the output topic, with how often each appears.
std::map<int64_t, int> OutputIds() {
  std::map<int64_t, int> ids;
  auto topic = sluice::log::LogTopic::Open(LogDir(), "out",
                                           sluice::log::LogPartition::Access::kReadOnly);
  if (!topic.ok()) return ids;
  sluice::log::LogPartition& partition = (*topic)->partition(0);
  for (int64_t offset = partition.start_offset(); offset < partition.end_offset();) {
    sluice::log::LogChunk chunk;
    if (!partition.Read(offset, 1 << 20, &chunk).ok() || chunk.empty()) break;
    chunk.ForEach([&](const sluice::log::LogRecordView& record) {
      int64_t id = -1;
      (void)absl::SimpleAtoi(std::string(record.value()), &id);
      ++ids[id];
    });
    offset = chunk.next_offset();
  }
  return ids;
}

// Posts every request until it gets a 2xx; returns how many were repeated.
void PostAll(int port, int requests, std::atomic<int>* done, std::atomic<int>* retries) {
  for (int r = 0; r < requests; ++r) {
    std::string body;
    for (int i = 0; i < kRecordsPerRequest; ++i) {
      int64_t id = int64_t{r} * kRecordsPerRequest + i;
      body += absl::StrCat("{\"id\":", id, ",\"customer\":\"c", id % 13, "\"}\n");
    }
    std::string request =
        sluice::testing::Request("POST", "/orders", "application/x-ndjson", body,
                                 absl::StrCat("Idempotency-Key: request-", r, "\r\n"));
    while (true) {
      sluice::testing::RawResponse response = sluice::testing::Exchange(port, request);
      if (response.status == 200) break;
      ++*retries;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ++*done;
    // Paced, so that the kills fall while requests are still being posted.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int RunTest() {
  const std::string work = absl::GetFlag(FLAGS_work);
  if (work.empty()) {
    std::fprintf(stderr, "--work is required\n");
    return 2;
  }
  fs::remove_all(work);
  fs::create_directories(LogDir());
  sluice::log::LogConfig two;
  two.partitions = 2;
  sluice::log::LogConfig one;
  one.partitions = 1;
  if (!sluice::log::LogTopic::Create(LogDir(), "ingest", two).ok() ||
      !sluice::log::LogTopic::Create(LogDir(), "out", one).ok()) {
    std::fprintf(stderr, "FAIL: cannot create the topics\n");
    return 1;
  }
  const int port = FreePort();
  const int requests = absl::GetFlag(FLAGS_requests);
  std::mt19937_64 random(absl::GetFlag(FLAGS_seed));
  std::atomic<int> done{0}, retries{0};
  int starts = 0;
  pid_t child = StartChild(port, 1 + starts++ % 2);
  std::thread client(PostAll, port, requests, &done, &retries);
  for (int k = 0; k < absl::GetFlag(FLAGS_kills); ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + random() % 300));
    if (done.load() == requests) {
      std::printf("FAIL: the client finished before kill %d; post more --requests\n",
                  k + 1);
      kill(child, SIGKILL);
      client.join();
      return 1;
    }
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    std::printf("kill %d: %d of %d requests acknowledged\n", k + 1, done.load(),
                requests);
    child = StartChild(port, 1 + starts++ % 2);
  }
  client.join();
  // Everything is acknowledged; wait for the checkpoints that commit it to the output.
  const size_t expected = static_cast<size_t>(requests) * kRecordsPerRequest;
  std::map<int64_t, int> ids;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while ((ids = OutputIds()).size() < expected &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a late duplicate shows
  ids = OutputIds();
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  int missing = 0, twice = 0, foreign = 0;
  for (int64_t id = 0; id < static_cast<int64_t>(expected); ++id) {
    auto it = ids.find(id);
    if (it == ids.end())
      ++missing;
    else if (it->second > 1)
      ++twice;
  }
  for (const auto& [id, count] : ids) {
    if (id < 0 || id >= static_cast<int64_t>(expected)) foreign += count;
  }
  std::printf(
      "%d starts, %d repeated requests; output: %zu ids, %d missing, %d more than "
      "once, %d unknown\n",
      starts, retries.load(), ids.size(), missing, twice, foreign);
  if (missing != 0 || twice != 0 || foreign != 0) {
    std::printf("FAIL: the output is not every acknowledged record exactly once\n");
    return 1;
  }
  std::printf("PASS: %zu records, each once, across %d kills\n", expected,
              absl::GetFlag(FLAGS_kills));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Kills a durable HTTP ingest job with SIGKILL while a client posts, and checks "
      "that every acknowledged record reaches the output exactly once.");
  absl::ParseCommandLine(argc, argv);
  return absl::GetFlag(FLAGS_run_job) ? RunJob() : RunTest();
}
