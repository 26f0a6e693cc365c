// The crash test: runs a job (embedded log -> keyed 1 s windows -> exactly-once CSV
// files, and the same rows appended to a log topic) with checkpoints, kills it with
// SIGKILL at random moments, restarts it from the latest checkpoint each time (at a
// random parallelism, 1 or 2), and checks that the committed output of both sinks
// equals, line for line, that of an uninterrupted run and a brute-force count
// computed here: nothing lost, nothing twice.
//
// With --crash_points it also crashes the job once at each step of a checkpoint's
// and the sink's commit (runtime/storage/crash_point.h) and checks the same after a
// restart.
//
//   sluice_crash_test --work=/tmp/crash --kills=50 --records_per_partition=400000
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sluice/io/log/log_topic.h"
#include "sluice/sluice.h"

ABSL_FLAG(std::string, work, "",
          "Directory for the topic, outputs and checkpoints "
          "(emptied first).");
ABSL_FLAG(int, kills, 5, "SIGKILLs at random moments before the job may finish.");
ABSL_FLAG(int, records_per_partition, 60000, "Records in each of the 4 partitions.");
ABSL_FLAG(int, max_kill_delay_ms, 150, "A kill comes 10 ms to this long after a start.");
ABSL_FLAG(uint64_t, seed, 1, "Seed for kill times and parallelism.");
ABSL_FLAG(bool, crash_points, false,
          "Also crash once at each commit step and check the restart.");
// Internal: what a child process runs.
ABSL_FLAG(std::string, run_job, "", "(internal) run the job into this output dir");
ABSL_FLAG(int, parallelism, 1, "(internal) the child job's parallelism");

namespace {

namespace fs = std::filesystem;
constexpr int kPartitions = 4;
constexpr int kKeys = 101;

std::string KeyOf(int p, int64_t o) { return absl::StrCat("card-", (o * 7 + p) % kKeys); }
int64_t TimeOf(int p, int64_t o) { return o * 5 + p; }

struct Row {
  std::string key;
  int64_t start = 0;
  int64_t count = 0;
};

std::string TopicDir() { return absl::GetFlag(FLAGS_work) + "/log"; }
// Where a run into output directory `out` appends its rows (topic "windows").
std::string ResultLogDir(const std::string& out) { return out + ".log"; }

bool CreateResultTopic(const std::string& out) {
  sluice::log::LogConfig config;
  config.partitions = 3;
  config.fsync = sluice::log::FsyncPolicy::kNone;
  // Small segments: commits roll them, so restores also rebuild producer tables
  // from snapshots (and, after a crash in a roll, without the newest one).
  config.segment_bytes = 16 << 10;
  auto topic = sluice::log::LogTopic::Create(ResultLogDir(out), "windows", config);
  if (!topic.ok()) {
    std::fprintf(stderr, "cannot create the result topic: %s\n",
                 std::string(topic.status().message()).c_str());
  }
  return topic.ok();
}

bool WriteTopic() {
  sluice::log::LogConfig config;
  config.partitions = kPartitions;
  config.fsync = sluice::log::FsyncPolicy::kNone;
  auto topic = sluice::log::LogTopic::Create(TopicDir(), "events", config);
  if (!topic.ok()) {
    std::fprintf(stderr, "cannot create the topic: %s\n",
                 std::string(topic.status().message()).c_str());
    return false;
  }
  sluice::log::RecordBatchBuilder builder;
  const int64_t n = absl::GetFlag(FLAGS_records_per_partition);
  for (int p = 0; p < kPartitions; ++p) {
    for (int64_t o = 0; o < n;) {
      builder.Clear();
      for (int i = 0; i < 500 && o < n; ++i, ++o) {
        builder.Add(KeyOf(p, o), absl::StrCat(o), TimeOf(p, o), {});
      }
      if (!(*topic)->partition(p).Append(builder).ok()) return false;
    }
  }
  return true;
}

// The child: one run of the job, restored from the latest checkpoint if any.
int RunJob(const std::string& out) {
  sluice::Dataflow flow;
  sluice::ExactlyOnceFiles files;
  files.roll_bytes = 16 << 10;
  auto rows =
      flow.Source(sluice::LogSource(TopicDir(), "events"))
          .Map([](const sluice::LogMessage& m) {
            // About 1 ms of work per 400 records, so that kills land mid-run.
            if (m.offset % 400 == 0)
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return m;
          })
          .AssignTimestamps([](const sluice::LogMessage& m) { return m.timestamp; },
                            sluice::WatermarkStrategy::Monotonous())
          .KeyBy([](const sluice::LogMessage& m) { return m.key; })
          .Window(sluice::TumblingWindows(1000))
          .Aggregate(sluice::aggregates::Count())
          .Map([](const sluice::WindowResult<std::string, int64_t>& r) {
            return Row{r.key, r.start, r.value};
          });
  rows.Sink(sluice::CsvSink(out, sluice::RecordSchema<Row>()
                                     .Field("key", &Row::key)
                                     .Field("start", &Row::start)
                                     .Field("count", &Row::count))
                .ExactlyOnce(files));
  rows.Sink(sluice::LogSink<Row>(ResultLogDir(out), "windows", [](const Row& r) {
    sluice::LogMessage record;
    record.key = r.key;
    record.value = absl::StrCat(r.key, ",", r.start, ",", r.count);
    return record;
  }));
  sluice::JobOptions options;
  options.parallelism = absl::GetFlag(FLAGS_parallelism);
  options.threads = 2;
  options.checkpoints.dir = out + ".checkpoints";
  options.checkpoints.interval = std::chrono::milliseconds(20);
  options.checkpoints.restore_from = "latest";
  absl::Status status = flow.Run(options);
  if (!status.ok()) {
    std::fprintf(stderr, "job failed: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}

// Starts this program as a child running the job; `crash_at` sets SLUICE_CRASH_AT.
pid_t StartChild(const std::string& out, int parallelism, const std::string& crash_at) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  if (!crash_at.empty()) setenv("SLUICE_CRASH_AT", crash_at.c_str(), 1);
  std::string work = "--work=" + absl::GetFlag(FLAGS_work);
  std::string run = "--run_job=" + out;
  std::string par = absl::StrCat("--parallelism=", parallelism);
  std::string records = absl::StrCat("--records_per_partition=",
                                     absl::GetFlag(FLAGS_records_per_partition));
  execl("/proc/self/exe", "sluice_crash_test", work.c_str(), run.c_str(), par.c_str(),
        records.c_str(), static_cast<char*>(nullptr));
  std::perror("exec");
  _exit(127);
}

// "exit 0", "killed" or a description of another end.
std::string WaitChild(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status) == 0 ? "exit 0"
                                    : absl::StrCat("exit ", WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) return "killed";
  return absl::StrCat("signal ", WTERMSIG(status));
}

// The committed lines, sorted; hidden files other than locks are reported.
bool CommittedLines(const std::string& dir, std::vector<std::string>* lines) {
  bool clean = true;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".lock-")) continue;
    if (!name.starts_with("part-")) {
      std::fprintf(stderr, "FAIL: %s left in %s\n", name.c_str(), dir.c_str());
      clean = false;
      continue;
    }
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) lines->push_back(line);
  }
  std::sort(lines->begin(), lines->end());
  return clean;
}

// The rows appended to the result topic, sorted.
bool AppendedLines(const std::string& out, std::vector<std::string>* lines) {
  auto topic = sluice::log::LogTopic::Open(ResultLogDir(out), "windows",
                                           sluice::log::LogPartition::Access::kReadOnly);
  if (!topic.ok()) {
    std::fprintf(stderr, "FAIL: %s\n", std::string(topic.status().message()).c_str());
    return false;
  }
  for (int p = 0; p < (*topic)->partition_count(); ++p) {
    sluice::log::LogPartition& partition = (*topic)->partition(p);
    sluice::log::LogChunk chunk;
    for (int64_t o = 0; o < partition.end_offset(); o = chunk.next_offset()) {
      if (absl::Status s = partition.Read(o, 1 << 20, &chunk); !s.ok()) {
        std::fprintf(stderr, "FAIL: %s\n", std::string(s.message()).c_str());
        return false;
      }
      chunk.ForEach([&](const sluice::log::LogRecordView& record) {
        lines->emplace_back(record.value());
      });
    }
  }
  std::sort(lines->begin(), lines->end());
  return true;
}

// The brute-force answer, as the sink writes it ("key,start,count"), sorted.
std::vector<std::string> ExpectedLines() {
  std::map<std::pair<std::string, int64_t>, int64_t> counts;
  const int64_t n = absl::GetFlag(FLAGS_records_per_partition);
  for (int p = 0; p < kPartitions; ++p) {
    for (int64_t o = 0; o < n; ++o) ++counts[{KeyOf(p, o), TimeOf(p, o) / 1000 * 1000}];
  }
  std::vector<std::string> lines;
  for (const auto& [key, count] : counts) {
    lines.push_back(absl::StrCat(key.first, ",", key.second, ",", count));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

bool Compare(const std::string& what, const std::vector<std::string>& got,
             const std::vector<std::string>& want) {
  if (got == want) return true;
  std::vector<std::string> missing, extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(),
                      std::back_inserter(extra));
  std::fprintf(stderr, "FAIL: %s: %zu lines, expected %zu; %zu missing, %zu extra\n",
               what.c_str(), got.size(), want.size(), missing.size(), extra.size());
  for (size_t i = 0; i < std::min<size_t>(5, missing.size()); ++i) {
    std::fprintf(stderr, "  missing: %s\n", missing[i].c_str());
  }
  for (size_t i = 0; i < std::min<size_t>(5, extra.size()); ++i) {
    std::fprintf(stderr, "  extra:   %s\n", extra[i].c_str());
  }
  return false;
}

// Both sinks' committed output equals `want`.
bool CheckOutput(const std::string& what, const std::string& out,
                 const std::vector<std::string>& want) {
  std::vector<std::string> files, appended;
  const bool clean = CommittedLines(out, &files);
  const bool read = AppendedLines(out, &appended);
  bool ok = clean && Compare(what + " (files)", files, want);
  ok = read && Compare(what + " (log)", appended, want) && ok;
  return ok;
}

// Runs the job to the end, restarting after every end that is not a clean exit
// (the first `crash_at` run crashes at that point). Returns false on a failure.
bool RunToEnd(const std::string& out, std::mt19937_64& random, int kills,
              const std::string& crash_at, int* killed) {
  std::uniform_int_distribution<int> delay(10, absl::GetFlag(FLAGS_max_kill_delay_ms));
  std::string crash = crash_at;
  for (int attempt = 0; attempt < kills + 50; ++attempt) {
    const int parallelism = 1 + static_cast<int>(random() % 2);
    pid_t pid = StartChild(out, parallelism, crash);
    crash.clear();
    if (*killed < kills) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay(random)));
      kill(pid, SIGKILL);
    }
    const std::string end = WaitChild(pid);
    std::printf("  run %d at parallelism %d: %s\n", attempt + 1, parallelism,
                end.c_str());
    if (end == "exit 0") return true;
    if (end != "killed") return false;
    ++*killed;
  }
  std::fprintf(stderr, "FAIL: the job never finished\n");
  return false;
}

int Main() {
  const std::string work = absl::GetFlag(FLAGS_work);
  if (work.empty()) {
    std::fprintf(stderr, "--work is required (see --help)\n");
    return 2;
  }
  std::error_code error;
  fs::remove_all(work, error);
  fs::create_directories(work, error);
  if (error || !WriteTopic()) return 1;
  std::mt19937_64 random(absl::GetFlag(FLAGS_seed));
  const std::vector<std::string> expected = ExpectedLines();
  bool ok = true;

  std::printf("reference: one uninterrupted run\n");
  int none = 0;
  std::vector<std::string> reference;
  ok = CreateResultTopic(work + "/reference") &&
       RunToEnd(work + "/reference", random, 0, "", &none) &&
       CommittedLines(work + "/reference", &reference) &&
       CheckOutput("uninterrupted run vs brute force", work + "/reference", expected);

  const int kills = absl::GetFlag(FLAGS_kills);
  std::printf("%d kills at random moments\n", kills);
  int killed = 0;
  const bool ran = CreateResultTopic(work + "/killed") &&
                   RunToEnd(work + "/killed", random, kills, "", &killed);
  ok = ran &&
       CheckOutput("run with kills vs uninterrupted run", work + "/killed", reference) &&
       ok;
  if (ran && killed < kills) {
    std::fprintf(stderr,
                 "FAIL: the job finished after %d of %d kills: raise "
                 "--records_per_partition\n",
                 killed, kills);
    ok = false;
  }

  if (absl::GetFlag(FLAGS_crash_points)) {
    for (const char* point :
         {"checkpoint.before_manifest", "atomic_write.before_fsync",
          "atomic_write.before_rename", "atomic_write.before_directory_fsync",
          "checkpoint_record.before_rename", "checkpoint.before_notify",
          "sink.before_precommit_fsync", "sink.after_commit_rename",
          "sink.before_commit_directory_fsync", "log_sink.after_append",
          "log_sink.before_commit_fsync", "producer_snapshot.before_rename"}) {
      // The third time it is reached: earlier checkpoints and commits exist.
      const std::string crash_at = absl::StrCat(point, ":3");
      const std::string out = absl::StrCat(work, "/", point);
      std::printf("crash at %s\n", crash_at.c_str());
      int crashed = 0;
      const bool done =
          CreateResultTopic(out) && RunToEnd(out, random, 0, crash_at, &crashed);
      if (crashed != 1) {
        std::fprintf(stderr, "FAIL: the job did not crash at %s\n", point);
        ok = false;
      }
      ok = done &&
           CheckOutput(absl::StrCat("crash at ", point, " vs uninterrupted run"), out,
                       reference) &&
           ok;
    }
  }
  std::printf("%s: %zu windows; %d kills\n", ok ? "PASS" : "FAIL", reference.size(),
              killed);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Kills a checkpointed job with SIGKILL at random moments and checks that its "
      "committed output equals an uninterrupted run's.\n"
      "  sluice_crash_test --work=DIR [--kills=N] [--records_per_partition=N] "
      "[--crash_points]");
  absl::ParseCommandLine(argc, argv);
  if (!absl::GetFlag(FLAGS_run_job).empty()) return RunJob(absl::GetFlag(FLAGS_run_job));
  return Main();
}
